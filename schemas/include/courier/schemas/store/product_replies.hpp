#pragma once
// Topic store.product.replies (key: order id): the product service's answers to the saga.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/schemas/store/common.hpp"

namespace courier::schemas::store {

/// Stock for every line of the order is reserved.
struct StockReserved {
    static constexpr std::string_view kType = "store.product.stock-reserved.v1";
    static constexpr std::string_view kTopic = "store.product.replies";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<StockReserved> from_json(std::string_view payload);
    bool operator==(const StockReserved&) const = default;
};

/// A product that lacked stock for a rejected reservation.
struct StockShortage {
    std::string product_id;  ///< UUID
    int64_t requested = 0;   ///< 1..1,000,000
    int64_t available = 0;   ///< 0..
    bool operator==(const StockShortage&) const = default;
};

/// The reservation was refused and nothing was reserved.
struct StockRejected {
    static constexpr std::string_view kType = "store.product.stock-rejected.v1";
    static constexpr std::string_view kTopic = "store.product.replies";

    std::string order_id;
    Reason reason;                         ///< product_not_found or insufficient_stock
    std::vector<StockShortage> shortages;  ///< 0..100; written only when non-empty

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<StockRejected> from_json(std::string_view payload);
    bool operator==(const StockRejected&) const = default;
};

/// The order's reservation was given back.
struct StockReleased {
    static constexpr std::string_view kType = "store.product.stock-released.v1";
    static constexpr std::string_view kTopic = "store.product.replies";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<StockReleased> from_json(std::string_view payload);
    bool operator==(const StockReleased&) const = default;
};

}  // namespace courier::schemas::store
