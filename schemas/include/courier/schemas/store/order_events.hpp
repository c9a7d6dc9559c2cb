#pragma once
// Topic store.order.events (key: order id): the order's lifecycle.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/schemas/store/common.hpp"

namespace courier::schemas::store {

/// An order was accepted; the PlaceOrder saga starts. Two versions live side by side: v2 adds the
/// optional customer_note, and a v2 payload without it is byte-for-byte a valid v1 payload.
struct OrderPlaced {
    static constexpr std::string_view kTypeV1 = "store.order.placed.v1";
    static constexpr std::string_view kTypeV2 = "store.order.placed.v2";
    /// The version producers write by default.
    static constexpr std::string_view kType = kTypeV2;
    /// Every version from_json reads; register a handler for each.
    static constexpr std::array<std::string_view, 2> kTypes = {kTypeV1, kTypeV2};
    static constexpr std::string_view kTopic = "store.order.events";

    std::string order_id;
    std::string customer_id;
    std::vector<OrderItem> items;  ///< 1..100
    int64_t total_cents = 0;
    std::optional<std::string> customer_note;  ///< v2 only; at most 500 characters

    /// The payload; omits customer_note when absent (then it is valid as v1 and v2).
    std::string to_json() const;
    /// Reads a payload of the given version (kTypeV1 or kTypeV2), validated against that version's
    /// schema. Errors are poison: schema.unexpected_type for another type, else the validation error.
    static Result<OrderPlaced> from_json(std::string_view payload, std::string_view type = kType);
    bool operator==(const OrderPlaced&) const = default;
};

/// Every saga step succeeded: the listings' units were taken and the stock committed.
struct OrderConfirmed {
    static constexpr std::string_view kType = "store.order.confirmed.v1";
    static constexpr std::string_view kTopic = "store.order.events";

    std::string order_id;
    std::string customer_id;
    std::vector<OrderLine> items;  ///< 1..100
    int64_t total_cents = 0;

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<OrderConfirmed> from_json(std::string_view payload);
    bool operator==(const OrderConfirmed&) const = default;
};

/// The saga failed or timed out; the completed steps were compensated.
struct OrderCancelled {
    static constexpr std::string_view kType = "store.order.cancelled.v1";
    static constexpr std::string_view kTopic = "store.order.events";

    std::string order_id;
    std::string customer_id;
    Reason reason;

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<OrderCancelled> from_json(std::string_view payload);
    bool operator==(const OrderCancelled&) const = default;
};

}  // namespace courier::schemas::store
