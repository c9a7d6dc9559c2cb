// Two versions of one type side by side: ce_type names the version, each version is validated by its
// own schema, and a consumer reads both into one struct.

#include <gtest/gtest.h>

#include <map>

#include "courier/core/cloud_events.hpp"
#include "courier/schemas/compatibility.hpp"
#include "courier/schemas/schema_catalog.hpp"
#include "courier/schemas/store/order_events.hpp"

using courier::ErrorKind;
using courier::schemas::SchemaCatalog;
using courier::schemas::store::OrderItem;
using courier::schemas::store::OrderPlaced;

namespace {

const OrderPlaced kPlaced{"2b9a3c1e-5d47-4f0a-9c61-7e8d2f4a6b10",
                          "customer-7",
                          {OrderItem{"7f3e9a2b-1c4d-4e5f-8a6b-9c0d1e2f3a4b", 3, 250}},
                          750,
                          std::nullopt};

courier::Message placed_message(std::string_view type, std::string payload) {
    courier::Message m;
    m.topic = std::string(OrderPlaced::kTopic);
    m.payload = std::move(payload);
    courier::ce::Attributes a;
    a.type = std::string(type);
    a.source = "/store/order";
    a.subject = kPlaced.order_id;
    courier::ce::stamp(m, a);
    return m;
}

// What a consumer does: validate by ce_type, then decode with the struct that handles that type.
courier::Result<OrderPlaced> consume(const courier::Message& message) {
    auto valid = SchemaCatalog::embedded().validate_consumed(message);
    if (!valid) return valid.error();
    auto type = std::string(*message.headers.get("ce_type"));
    return OrderPlaced::from_json(message.payload, type);
}

}  // namespace

TEST(Versioning, BothVersionsOfOrderPlacedAreInTheCatalog) {
    EXPECT_TRUE(SchemaCatalog::embedded().contains("store.order.placed.v1"));
    EXPECT_TRUE(SchemaCatalog::embedded().contains("store.order.placed.v2"));
    EXPECT_EQ(OrderPlaced::kType, OrderPlaced::kTypeV2);
    EXPECT_EQ(OrderPlaced::kTypes.size(), 2u);
}

TEST(Versioning, APayloadWithoutTheNewFieldIsValidAsV1AndV2) {
    auto json = kPlaced.to_json();
    EXPECT_TRUE(SchemaCatalog::embedded().validate(OrderPlaced::kTypeV1, json));
    EXPECT_TRUE(SchemaCatalog::embedded().validate(OrderPlaced::kTypeV2, json));
}

TEST(Versioning, TheNewOptionalFieldIsValidInV2AndRefusedInV1) {
    auto with_note = kPlaced;
    with_note.customer_note = "gift wrap, please";
    auto json = with_note.to_json();
    EXPECT_TRUE(SchemaCatalog::embedded().validate(OrderPlaced::kTypeV2, json));
    auto v1 = SchemaCatalog::embedded().validate(OrderPlaced::kTypeV1, json);
    ASSERT_FALSE(v1);
    EXPECT_NE(v1.error().message.find("at #/customer_note: \"additionalProperties\" failed"),
              std::string::npos);
}

TEST(Versioning, AConsumerReadsV1AndV2MessagesSideBySideIntoOneStruct) {
    auto with_note = kPlaced;
    with_note.customer_note = "leave at the door";
    std::map<std::string, int> handled;
    for (const auto& message : {placed_message(OrderPlaced::kTypeV1, kPlaced.to_json()),
                                placed_message(OrderPlaced::kTypeV2, with_note.to_json()),
                                placed_message(OrderPlaced::kTypeV2, kPlaced.to_json())}) {
        auto placed = consume(message);
        ASSERT_TRUE(placed) << placed.error().describe();
        EXPECT_EQ(placed->order_id, kPlaced.order_id);
        ++handled[std::string(*message.headers.get("ce_type"))];
    }
    EXPECT_EQ(handled["store.order.placed.v1"], 1);
    EXPECT_EQ(handled["store.order.placed.v2"], 2);
    auto note = consume(placed_message(OrderPlaced::kTypeV2, with_note.to_json()));
    ASSERT_TRUE(note);
    EXPECT_EQ(note->customer_note, "leave at the door");
}

TEST(Versioning, AV2PayloadSentAsV1IsPoisonForTheConsumer) {
    auto with_note = kPlaced;
    with_note.customer_note = "x";
    auto result = consume(placed_message(OrderPlaced::kTypeV1, with_note.to_json()));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
    auto direct = OrderPlaced::from_json(with_note.to_json(), OrderPlaced::kTypeV1);
    ASSERT_FALSE(direct);
    EXPECT_EQ(direct.error().kind, ErrorKind::poison);
}

TEST(Versioning, AnUnknownVersionIsPoisonNamingTheKnownOnes) {
    auto result = consume(placed_message("store.order.placed.v3", kPlaced.to_json()));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "schema.unknown_type");
    EXPECT_NE(result.error().message.find("known versions: store.order.placed.v1, store.order.placed.v2"),
              std::string::npos);
    auto typed = OrderPlaced::from_json(kPlaced.to_json(), "store.order.cancelled.v1");
    ASSERT_FALSE(typed);
    EXPECT_EQ(typed.error().code, "schema.unexpected_type");
    EXPECT_EQ(typed.error().kind, ErrorKind::poison);
}

TEST(Versioning, V2PassesTheCompatibilityCheckAgainstV1) {
    const auto& catalog = SchemaCatalog::embedded();
    auto report = courier::schemas::check_compatibility(catalog.find("store.order.placed.v1")->text,
                                                        catalog.find("store.order.placed.v2")->text);
    EXPECT_TRUE(report.compatible());
}
