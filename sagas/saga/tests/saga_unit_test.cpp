// Pieces of the saga component that need no server: statuses and the typed-data adapters.

#include <gtest/gtest.h>

#include "courier/saga/saga_definition.hpp"
#include "courier/saga/saga_status.hpp"
#include "sql_text.hpp"

using namespace courier;
using namespace courier::saga;

namespace {

struct Order {
    std::string id;
    int quantity = 0;
};

// A deliberately tiny "JSON" codec: {"id":"<id>","quantity":<n>}.
DataCodec<Order> order_codec() {
    return DataCodec<Order>{[](const Order& o) {
                                return R"({"id":")" + o.id + R"(","quantity":)" + std::to_string(o.quantity) +
                                       "}";
                            },
                            [](const std::string& json) -> Result<Order> {
                                auto id_at = json.find(R"("id":")");
                                auto q_at = json.find(R"("quantity":)");
                                if (id_at == std::string::npos || q_at == std::string::npos) {
                                    return Error::poison("test.decode", "not an order: " + json);
                                }
                                id_at += 6;
                                Order o;
                                o.id = json.substr(id_at, json.find('"', id_at) - id_at);
                                o.quantity = std::stoi(json.substr(q_at + 11));
                                return o;
                            }};
}

}  // namespace

TEST(SagaStatus, EveryStatusRoundTripsThroughItsStoredName) {
    for (auto s : {SagaStatus::running, SagaStatus::compensating, SagaStatus::completed,
                   SagaStatus::compensated, SagaStatus::failed_needs_attention}) {
        EXPECT_EQ(parse_status(to_string(s)), s);
    }
    EXPECT_FALSE(parse_status("done").has_value());
    EXPECT_FALSE(is_final(SagaStatus::running));
    EXPECT_FALSE(is_final(SagaStatus::compensating));
    EXPECT_TRUE(is_final(SagaStatus::failed_needs_attention));
}

TEST(SagaTypedData, TypedBuildersSeeDecodedDataAndUpdatesAreEncodedAgain) {
    auto invoke = typed_invoke<Order>(order_codec(), [](const Order& o) {
        return Command{"store.product.commands", "store.product.reserve-stock.v1",
                       o.id + "x" + std::to_string(o.quantity)};
    });
    EXPECT_EQ(invoke(R"({"id":"o1","quantity":3})").payload, "o1x3");

    auto update = typed_update<Order>(order_codec(), [](Order o, const std::string& reply) -> Result<Order> {
        o.quantity += static_cast<int>(reply.size());
        return o;
    });
    auto updated = update(R"({"id":"o1","quantity":3})", "ab");
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(*updated, R"({"id":"o1","quantity":5})");
    EXPECT_FALSE(update("{}", "ab").has_value()) << "a decode failure is an error, not a crash";

    auto compensate = typed_compensate<Order>(order_codec(), [](const Order& o) -> std::optional<Command> {
        if (o.quantity == 0) return std::nullopt;
        return Command{"t", "release", o.id};
    });
    EXPECT_FALSE(compensate(R"({"id":"o1","quantity":0})").has_value());
    EXPECT_THROW(compensate("{}"), CourierError);
}

TEST(SagaSqlText, ATextArrayLiteralEscapesQuotesAndBackslashes) {
    EXPECT_EQ(text_array({}), "{}");
    EXPECT_EQ(text_array({"a", "b,c", R"(q"\)"}), R"({"a","b,c","q\"\\"})");
}
