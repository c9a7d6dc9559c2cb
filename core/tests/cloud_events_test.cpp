#include <gtest/gtest.h>

#include "courier/core/cloud_events.hpp"
#include "courier/core/ids.hpp"

namespace ce = courier::ce;
using courier::ErrorKind;
using courier::Message;

TEST(CloudEvents, StampFillsIdAndTimeAndWritesEachHeaderOnce) {
    Message m;
    m.topic = "store.order.events";
    ce::Attributes a;
    a.type = "store.order.placed.v1";
    a.source = "/store/order";
    a.subject = "order-1";
    auto written = ce::stamp(m, a);
    EXPECT_TRUE(courier::is_uuid(written.id));
    EXPECT_EQ(m.headers.get("ce_specversion"), "1.0");
    EXPECT_EQ(m.headers.get("ce_id"), written.id);
    EXPECT_EQ(m.headers.get("content-type"), "application/json");
    EXPECT_EQ(m.key, "order-1") << "the subject becomes the key";
    ce::stamp(m, written);
    EXPECT_EQ(m.headers.get_all("ce_id").size(), 1u) << "stamping twice must not duplicate headers";
}

TEST(CloudEvents, ReadRoundTripsWhatStampWrote) {
    Message m;
    ce::Attributes a;
    a.type = "store.product.reserve-stock.v1";
    a.source = "/store/order";
    a.correlation_id = "saga-9";
    a.causation_id = "cause-1";
    auto written = ce::stamp(m, a);
    auto read = ce::read(m);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->id, written.id);
    EXPECT_EQ(read->type, a.type);
    EXPECT_EQ(read->correlation_id, "saga-9");
    EXPECT_EQ(read->causation_id, "cause-1");
    EXPECT_FALSE(m.headers.contains("ce_subject")) << "empty optional attributes stay absent";
}

TEST(CloudEvents, AMessageWithoutIdIsPoisonNamingWhereItWas) {
    Message m;
    m.topic = "t";
    m.metadata = courier::MessageMetadata{2, 41, 0, "g"};
    m.headers.add("ce_type", "x.v1");
    auto read = ce::read(m);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().kind, ErrorKind::poison);
    EXPECT_NE(read.error().message.find("t[2]@41"), std::string::npos) << read.error().message;
}

TEST(CloudEvents, AnUnknownSpecVersionIsPoison) {
    Message m;
    m.headers.add("ce_specversion", "0.3");
    m.headers.add("ce_id", "1");
    m.headers.add("ce_type", "x.v1");
    EXPECT_EQ(ce::read(m).error().code, "cloudevents.specversion");
}

TEST(CloudEvents, CausedByCarriesTheConversationForward) {
    ce::Attributes cause;
    cause.id = "c1";
    auto next = ce::caused_by(cause, "t.v1", "/s", "sub");
    EXPECT_EQ(next.correlation_id, "c1") << "the first message of a conversation is its correlation id";
    EXPECT_EQ(next.causation_id, "c1");
    cause.correlation_id = "saga-1";
    EXPECT_EQ(ce::caused_by(cause, "t.v1", "/s", "sub").correlation_id, "saga-1");
}

TEST(CloudEvents, FormatsTimeAsRfc3339UtcWithMilliseconds) {
    using namespace std::chrono;
    system_clock::time_point t{milliseconds(1795303383870)};
    EXPECT_EQ(ce::format_time(t), "2026-11-21T23:23:03.870Z");
}

TEST(Ids, NewUuidsAreCanonicalVersion4AndDistinct) {
    auto a = courier::new_uuid();
    auto b = courier::new_uuid();
    EXPECT_TRUE(courier::is_uuid(a));
    EXPECT_NE(a, b);
    EXPECT_EQ(a[14], '4');
    EXPECT_FALSE(courier::is_uuid("not-a-uuid"));
}
