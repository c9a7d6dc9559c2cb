#include <gtest/gtest.h>

#include "courier/consumers/dead_letter.hpp"

using namespace courier;
namespace dlq = courier::consumers::dlq;

TEST(DeadLetter, ACopyKeepsKeyPayloadAndHeadersAndAddsProvenanceOnce) {
    Message original;
    original.topic = "store.order.events";
    original.key = "order-1";
    original.payload = "{}";
    original.headers.add("ce_id", "id-1");
    original.metadata = MessageMetadata{2, 17, 1700000000000, "g"};
    dlq::Provenance p{"poison", Error::poison("schema.invalid", "/items/0/quantity: minimum"), "g", "placed", 1,
                      std::chrono::system_clock::time_point{}};
    auto copy = dlq::make_copy(original, p);
    EXPECT_EQ(copy.topic, "store.order.events.dlq");
    EXPECT_EQ(copy.key, original.key);
    EXPECT_EQ(copy.payload, original.payload);
    EXPECT_EQ(copy.headers.get("ce_id"), "id-1");
    EXPECT_EQ(copy.headers.get(dlq::kError), "schema.invalid: /items/0/quantity: minimum");
    EXPECT_EQ(copy.headers.get(dlq::kOriginalPartition), "2");
    EXPECT_EQ(copy.headers.get(dlq::kOriginalOffset), "17");
    EXPECT_EQ(copy.headers.get(dlq::kOriginalTimestamp), "1700000000000");
    EXPECT_EQ(copy.headers.get(dlq::kFailedAt), "1970-01-01T00:00:00.000Z");

    // Dead-lettered again later (e.g. after a redrive): provenance is replaced, not repeated.
    copy.topic = "store.order.events";
    auto again = dlq::make_copy(copy, p);
    EXPECT_EQ(again.headers.get_all(dlq::kReason).size(), 1u);
    EXPECT_EQ(again.topic, "store.order.events.dlq");
}

TEST(DeadLetter, ProvenanceHeadersAreRecognisedButTheRedriveMarkIsNot) {
    EXPECT_TRUE(dlq::is_provenance_header("courier-dlq-reason"));
    EXPECT_FALSE(dlq::is_provenance_header("courier-redrive-id"));
    EXPECT_FALSE(dlq::is_provenance_header("ce_id"));
}
