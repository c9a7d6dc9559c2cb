#include <gtest/gtest.h>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/memory/publisher.hpp"
#include "courier/core/errors.hpp"
#include "courier/core/ids.hpp"
#include "courier/producers/producer.hpp"

using namespace courier;
namespace memory = courier::broker::memory;

namespace {
class ProducerTest : public ::testing::Test {
protected:
    void SetUp() override { broker_->create_topic("store.order.events", 3); }
    std::shared_ptr<memory::Broker> broker_ = std::make_shared<memory::Broker>();
    memory::Publisher publisher_{broker_};
};

ce::Attributes placed(std::string subject) {
    ce::Attributes a;
    a.type = "store.order.placed.v1";
    a.subject = std::move(subject);
    return a;
}
}  // namespace

TEST_F(ProducerTest, StampsCloudEventsHeadersAndKeysByTheSubject) {
    producers::Producer producer(publisher_, {"/store/order", {}, {}});
    auto report = producer.send("store.order.events", placed("order-7"), R"({"order_id":"order-7"})").get();
    auto sent = broker_->messages("store.order.events");
    ASSERT_EQ(sent.size(), 1u);
    const auto& m = sent[0];
    EXPECT_EQ(m.key, "order-7");
    EXPECT_EQ(m.metadata->partition, report.partition);
    EXPECT_EQ(m.headers.get("ce_source"), "/store/order");
    EXPECT_EQ(m.headers.get("ce_type"), "store.order.placed.v1");
    EXPECT_TRUE(is_uuid(*m.headers.get("ce_id")));
    EXPECT_EQ(m.headers.get("content-type"), "application/json");
}

TEST_F(ProducerTest, AnInvalidMessageIsRefusedAndNothingIsPublished) {
    producers::ProducerOptions options{"/store/order", [](const Message& m) -> Result<void> {
        if (m.payload.find("order_id") == std::string::npos) {
            return Error::poison("schema.invalid", "store.order.placed.v1: / is missing required property order_id");
        }
        return {};
    }, {}};
    producers::Producer producer(publisher_, options);
    try {
        producer.send("store.order.events", placed("order-1"), "{}").get();
        FAIL() << "an invalid payload must be refused";
    } catch (const CourierError& e) {
        EXPECT_NE(std::string(e.what()).find("missing required property order_id"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(broker_->messages("store.order.events").empty());
}

TEST_F(ProducerTest, AMessageWithoutATypeIsRefused) {
    producers::Producer producer(publisher_, {"/s", {}, {}});
    auto prepared = producer.prepare("store.order.events", {}, "{}");
    ASSERT_FALSE(prepared);
    EXPECT_EQ(prepared.error().code, "producer.missing_type");
}

TEST_F(ProducerTest, TheBeforePublishHookSeesEveryValidMessage) {
    int hooked = 0;
    producers::Producer producer(publisher_, {"/s", {}, [&](Message& m) {
                                                 ++hooked;
                                                 m.headers.set("traceparent",
                                                               "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
                                             }});
    producer.send("store.order.events", placed("o"), "{}").get();
    EXPECT_EQ(hooked, 1);
    EXPECT_EQ(broker_->messages("store.order.events")[0].headers.get_all("traceparent").size(), 1u);
}
