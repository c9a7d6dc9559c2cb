// The typed store messages: each converts to JSON its schema accepts and back without loss, reads every
// example of its schema, and turns bad input into a poison error.

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "courier/schemas/schema_catalog.hpp"
#include "courier/schemas/store/listing_commands.hpp"
#include "courier/schemas/store/listing_events.hpp"
#include "courier/schemas/store/listing_replies.hpp"
#include "courier/schemas/store/order_events.hpp"
#include "courier/schemas/store/product_commands.hpp"
#include "courier/schemas/store/product_events.hpp"
#include "courier/schemas/store/product_replies.hpp"
#include "schema_test_support.hpp"

using courier::ErrorKind;
using courier::schemas::SchemaCatalog;
using namespace courier::schemas::store;
using namespace courier::schemas::testing;

namespace {

const std::string kOrder = "2b9a3c1e-5d47-4f0a-9c61-7e8d2f4a6b10";
const std::string kListing = "7f3e9a2b-1c4d-4e5f-8a6b-9c0d1e2f3a4b";
const std::string kProduct = "c5d6e7f8-a9b0-4c1d-9e2f-3a4b5c6d7e8f";

const std::vector<OrderItem> kItems = {{kListing, 2, 1999},
                                       {"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", 1, 4500}};
const std::vector<OrderLine> kLines = {{kListing, kProduct, 2, 1999}};

// Encodes, checks the JSON against the message's schema, decodes, and expects the same value back.
template <typename T>
void expect_round_trip(const T& message, std::string_view type = T::kType) {
    auto json = message.to_json();
    auto valid = SchemaCatalog::embedded().validate(type, json);
    ASSERT_TRUE(valid) << valid.error().describe();
    auto back = T::from_json(json);
    ASSERT_TRUE(back) << back.error().describe();
    EXPECT_EQ(*back, message) << json;
}

// Reads a payload of `type` with its struct and writes it back.
using Recode = std::function<courier::Result<std::string>(std::string_view)>;

template <typename T>
Recode recode() {
    return [](std::string_view payload) -> courier::Result<std::string> {
        auto message = T::from_json(payload);
        if (!message) return message.error();
        return message->to_json();
    };
}

const std::map<std::string, Recode>& recoders() {
    static const std::map<std::string, Recode> table = {
        {"store.order.placed.v1",
         [](std::string_view p) -> courier::Result<std::string> {
             auto m = OrderPlaced::from_json(p, OrderPlaced::kTypeV1);
             if (!m) return m.error();
             return m->to_json();
         }},
        {"store.order.placed.v2", recode<OrderPlaced>()},
        {std::string(OrderConfirmed::kType), recode<OrderConfirmed>()},
        {std::string(OrderCancelled::kType), recode<OrderCancelled>()},
        {std::string(ReserveStock::kType), recode<ReserveStock>()},
        {std::string(ReleaseStock::kType), recode<ReleaseStock>()},
        {std::string(CommitStock::kType), recode<CommitStock>()},
        {std::string(StockReserved::kType), recode<StockReserved>()},
        {std::string(StockRejected::kType), recode<StockRejected>()},
        {std::string(StockReleased::kType), recode<StockReleased>()},
        {std::string(ProductCreated::kType), recode<ProductCreated>()},
        {std::string(ProductUpdated::kType), recode<ProductUpdated>()},
        {std::string(StockChanged::kType), recode<StockChanged>()},
        {std::string(ConfirmListing::kType), recode<ConfirmListing>()},
        {std::string(ReleaseListing::kType), recode<ReleaseListing>()},
        {std::string(ListingConfirmed::kType), recode<ListingConfirmed>()},
        {std::string(ListingRejected::kType), recode<ListingRejected>()},
        {std::string(ListingReleased::kType), recode<ListingReleased>()},
        {std::string(ListingCreated::kType), recode<ListingCreated>()},
        {std::string(ListingUpdated::kType), recode<ListingUpdated>()},
    };
    return table;
}

}  // namespace

TEST(StoreMessages, EveryTypeInTheCatalogHasAStruct) {
    for (const auto& info : SchemaCatalog::embedded().list()) {
        EXPECT_TRUE(recoders().count(info.type)) << info.type << " has no typed struct";
    }
    EXPECT_EQ(recoders().size(), SchemaCatalog::embedded().size());
}

TEST(StoreMessages, EachStructReadsEveryExampleOfItsSchemaAndWritesItBackUnchanged) {
    for (const auto& info : SchemaCatalog::embedded().list()) {
        for (const auto& example : examples_of(info.text)) {
            auto json = recoders().at(info.type)(example);
            ASSERT_TRUE(json) << info.type << ": " << json.error().describe();
            EXPECT_TRUE(same_json(*json, example))
                << info.type << "\n  example: " << example << "\n  written: " << *json;
        }
    }
}

TEST(StoreMessages, OrderEventsRoundTrip) {
    expect_round_trip(OrderPlaced{kOrder, "customer-1", kItems, total_cents(kItems), std::nullopt});
    expect_round_trip(OrderPlaced{kOrder, "customer-1", kItems, 8498, "ring twice"});
    expect_round_trip(OrderConfirmed{kOrder, "customer-1", kLines, total_cents(kLines)});
    expect_round_trip(OrderCancelled{kOrder, "customer-1", {ReasonCode::timeout, "no reply within 30 s"}});
}

TEST(StoreMessages, ProductCommandsAndRepliesRoundTrip) {
    expect_round_trip(ReserveStock{kOrder, kLines});
    expect_round_trip(ReleaseStock{kOrder, kLines});
    expect_round_trip(CommitStock{kOrder, kLines});
    expect_round_trip(StockReserved{kOrder, kLines});
    expect_round_trip(StockReleased{kOrder, kLines});
    expect_round_trip(StockRejected{kOrder, {ReasonCode::insufficient_stock, "1 short"}, {{kProduct, 2, 1}}});
    expect_round_trip(StockRejected{kOrder, {ReasonCode::product_not_found, "gone"}, {}});
}

TEST(StoreMessages, ProductEventsRoundTrip) {
    expect_round_trip(ProductCreated{kProduct, 1, "MUG-1", "Mug", 999, 10, 0, 10});
    expect_round_trip(ProductUpdated{kProduct, 2, "MUG-1", "Mug (blue)", 1099, 10, 2, 8});
    expect_round_trip(StockChanged{kProduct, 3, 10, 2, 8, StockChangeCause::reserved, kOrder});
    expect_round_trip(StockChanged{kProduct, 4, 20, 2, 18, StockChangeCause::adjusted, std::nullopt});
}

TEST(StoreMessages, ListingMessagesRoundTrip) {
    expect_round_trip(ConfirmListing{kOrder, kItems});
    expect_round_trip(ReleaseListing{kOrder, kLines});
    expect_round_trip(ListingConfirmed{kOrder, kLines});
    expect_round_trip(ListingReleased{kOrder, kLines});
    expect_round_trip(ListingRejected{kOrder, {ReasonCode::price_changed, "now 2199"}, kListing});
    expect_round_trip(ListingRejected{kOrder, {ReasonCode::listing_inactive, "inactive"}, std::nullopt});
    expect_round_trip(ListingCreated{kListing, 1, kProduct, "Mug", 999, 5, true});
    expect_round_trip(ListingUpdated{kListing, 2, kProduct, "Mug", 999, 0, false});
}

TEST(StoreMessages, OptionalFieldsAreLeftOutWhenAbsent) {
    EXPECT_EQ(
        StockRejected({kOrder, {ReasonCode::product_not_found, "gone"}, {}}).to_json().find("shortages"),
        std::string::npos);
    EXPECT_EQ(ListingRejected({kOrder, {ReasonCode::listing_inactive, "x"}, std::nullopt})
                  .to_json()
                  .find("listing_id"),
              std::string::npos);
    EXPECT_EQ(OrderPlaced({kOrder, "c", kItems, 8498, std::nullopt}).to_json().find("customer_note"),
              std::string::npos);
}

TEST(StoreMessages, JsonSpecialCharactersInTextSurviveTheRoundTrip) {
    expect_round_trip(
        OrderCancelled{kOrder, "c", {ReasonCode::timeout, "quote \" backslash \\ tab \t ünïcødé ☕"}});
}

TEST(StoreMessages, ReadingAnInvalidPayloadIsPoisonWithThePointerAndTheRule) {
    auto result = ReserveStock::from_json(R"({"order_id": ")" + kOrder + R"(", "items": []})");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
    EXPECT_EQ(result.error().code, "schema.invalid");
    EXPECT_NE(result.error().message.find(
                  "store.product.reserve-stock.v1: invalid payload at #/items: \"minItems\""),
              std::string::npos)
        << result.error().message;
}

TEST(StoreMessages, ReadingMalformedJsonIsPoison) {
    auto result = ListingCreated::from_json("{\"listing_id\":");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
    EXPECT_EQ(result.error().code, "schema.unparsable");
}

TEST(StoreMessages, WritingAValueTheSchemaForbidsIsCaughtByProducerValidation) {
    // The structs do not police their values; the producer's validation does, before anything is sent.
    StockRejected wrong_code{kOrder, {ReasonCode::price_changed, "not a stock reason"}, {}};
    auto result = SchemaCatalog::embedded().validate(StockRejected::kType, wrong_code.to_json());
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find("at #/reason/code: \"enum\" failed"), std::string::npos);
    ReserveStock empty{kOrder, {}};
    EXPECT_FALSE(SchemaCatalog::embedded().validate(ReserveStock::kType, empty.to_json()));
}

TEST(StoreMessages, ReasonCodesAndStockCausesConvertToAndFromTheirJsonText) {
    for (auto code : {ReasonCode::listing_not_found, ReasonCode::listing_inactive, ReasonCode::price_changed,
                      ReasonCode::insufficient_quantity, ReasonCode::product_not_found,
                      ReasonCode::insufficient_stock, ReasonCode::timeout}) {
        EXPECT_EQ(parse_reason_code(to_string(code)), code);
    }
    EXPECT_EQ(to_string(ReasonCode::insufficient_stock), "insufficient_stock");
    EXPECT_FALSE(parse_reason_code("nope"));
    for (auto cause : {StockChangeCause::adjusted, StockChangeCause::reserved, StockChangeCause::released,
                       StockChangeCause::committed}) {
        EXPECT_EQ(parse_stock_change_cause(to_string(cause)), cause);
    }
    EXPECT_FALSE(parse_stock_change_cause(""));
}

TEST(StoreMessages, TotalCentsSumsTheLinesAndSaturatesInsteadOfOverflowing) {
    EXPECT_EQ(total_cents(kItems), 2 * 1999 + 4500);
    EXPECT_EQ(total_cents(kLines), 2 * 1999);
    EXPECT_EQ(total_cents(std::vector<OrderItem>{}), 0);
    std::vector<OrderItem> absurd(3, OrderItem{kListing, INT64_MAX / 2, 3});
    EXPECT_EQ(total_cents(absurd), INT64_MAX);
}

TEST(StoreMessages, EachStructNamesItsTopic) {
    EXPECT_EQ(OrderPlaced::kTopic, "store.order.events");
    EXPECT_EQ(ReserveStock::kTopic, "store.product.commands");
    EXPECT_EQ(StockRejected::kTopic, "store.product.replies");
    EXPECT_EQ(StockChanged::kTopic, "store.product.events");
    EXPECT_EQ(ConfirmListing::kTopic, "store.listing.commands");
    EXPECT_EQ(ListingRejected::kTopic, "store.listing.replies");
    EXPECT_EQ(ListingUpdated::kTopic, "store.listing.events");
}
