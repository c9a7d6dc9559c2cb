// The PlaceOrder example saga end to end over real Kafka and PostgreSQL: the coordinator's
// commands leave through the outbox and its relay, two participants (Routers with the inbox)
// apply them and reply through the outbox in the same transaction, and the coordinator takes
// the replies through its own Router with the inbox.

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/router.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "courier/saga/saga_query.hpp"
#include "courier/testing/environment.hpp"
#include "kafka_support.hpp"
#include "saga_test_support.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::saga;
using namespace courier::saga::testing;
namespace kafka = courier::broker::kafka;

namespace {

class SagaKafkaTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto c = db_.connect();
        c.exec_script(
            "CREATE TABLE effects (id bigserial PRIMARY KEY, saga_id text NOT NULL, command text NOT NULL)");
        for (const auto* topic :
             {&listing_commands_, &product_commands_, &listing_replies_, &product_replies_}) {
            admin_.create_topic({*topic, 1, 1, {}});
        }
        coordinator_.add(place_order(30s, 30s, 3, listing_commands_, product_commands_));

        listing_.router().handle(
            "confirm", listing_commands_, kConfirmListing,
            participant(listing_replies_, kListingConfirmed, kListingRejected, "reject-listing"));
        listing_.router().handle("release", listing_commands_, kReleaseListing,
                                 participant(listing_replies_, kListingReleased, "", ""));
        product_.router().handle(
            "reserve", product_commands_, kReserveStock,
            participant(product_replies_, kStockReserved, kStockRejected, "reject-stock"));
        product_.router().handle("release", product_commands_, kReleaseStock,
                                 participant(product_replies_, kStockReleased, "", ""));
        coordinator_.attach(orders_.router(), {listing_replies_, product_replies_});

        outbox::OutboxRelayOptions ro;
        ro.dsn = db_.dsn();
        ro.name = "saga-test";
        ro.poll_interval = 100ms;
        ro.rebalance_interval = 200ms;
        relay_ = std::make_unique<outbox::OutboxRelay>(ro, publisher_);
        relay_thread_ = std::jthread([this](std::stop_token stop) { relay_->run(stop); });
        listing_.start();
        product_.start();
        orders_.start();
    }
    void TearDown() override {
        relay_thread_.request_stop();
        if (relay_thread_.joinable()) relay_thread_.join();
    }

    void start(const std::string& id, const std::string& data) {
        auto c = db_.connect();
        pg::Transaction tx(c);
        auto started = coordinator_.start(tx, kType, id, data);
        ASSERT_TRUE(started.has_value()) << started.error().describe();
        tx.commit();
    }
    SagaStatus status(const std::string& id) {
        auto c = db_.connect();
        auto shown = show_instance(c, id);
        return shown && *shown ? (*shown)->summary.status : SagaStatus::failed_needs_attention;
    }
    bool reaches(const std::string& id, SagaStatus wanted) {
        return eventually([&] { return status(id) == wanted; });
    }
    std::vector<std::string> effects(const std::string& id) {
        auto c = db_.connect();
        std::vector<std::string> out;
        for (const auto& row : c.exec("SELECT command FROM effects WHERE saga_id = $1 ORDER BY id", {id})) {
            out.push_back(row.get<std::string>(0));
        }
        return out;
    }

    SagaDatabase db_;
    ManualClock clock_;
    kafka::KafkaAdmin admin_{kafka_properties()};
    kafka::KafkaPublisher publisher_{kafka::KafkaPublisherOptions{kafka_properties()}};
    pg::ConnectionPool pool_{db_.dsn(), 6};
    std::string listing_commands_ = courier::testing::unique_name("store.listing.commands");
    std::string product_commands_ = courier::testing::unique_name("store.product.commands");
    std::string listing_replies_ = courier::testing::unique_name("store.listing.replies");
    std::string product_replies_ = courier::testing::unique_name("store.product.replies");
    SagaCoordinator coordinator_{SagaCoordinatorOptions{"/store/order"}, outbox::Outbox{}, clock_};
    RouterThread listing_{courier::testing::unique_name("listing"), pool_, publisher_};
    RouterThread product_{courier::testing::unique_name("product"), pool_, publisher_};
    RouterThread orders_{courier::testing::unique_name("order-saga"), pool_, publisher_};
    std::unique_ptr<outbox::OutboxRelay> relay_;
    std::jthread relay_thread_;
};

}  // namespace

TEST_F(SagaKafkaTest, AnOrderWhoseParticipantsAcceptCompletesEndToEnd) {
    start("order-1", R"({"order": "o1"})");
    ASSERT_TRUE(reaches("order-1", SagaStatus::completed)) << to_string(status("order-1"));
    EXPECT_EQ(effects("order-1"), (std::vector<std::string>{kConfirmListing, kReserveStock}));
}

TEST_F(SagaKafkaTest, AnOrderWhoseStockIsRejectedReleasesItsListingEndToEnd) {
    start("order-2", R"({"order": "o2", "note": "reject-stock"})");
    ASSERT_TRUE(reaches("order-2", SagaStatus::compensated)) << to_string(status("order-2"));
    EXPECT_EQ(effects("order-2"),
              (std::vector<std::string>{kConfirmListing, kReserveStock, kReleaseListing}));
}
