#pragma once
// Topic store.product.commands (key: order id): what the PlaceOrder saga asks of the product service.

#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/schemas/store/common.hpp"

namespace courier::schemas::store {

/// Reserve stock for every line of the order, all or none. Replied to with StockReserved or
/// StockRejected.
struct ReserveStock {
    static constexpr std::string_view kType = "store.product.reserve-stock.v1";
    static constexpr std::string_view kTopic = "store.product.commands";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ReserveStock> from_json(std::string_view payload);
    bool operator==(const ReserveStock&) const = default;
};

/// Compensation: give back the order's reservation. Replied to with StockReleased; releasing an
/// unknown or already released order is a no-op that still replies.
struct ReleaseStock {
    static constexpr std::string_view kType = "store.product.release-stock.v1";
    static constexpr std::string_view kTopic = "store.product.commands";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ReleaseStock> from_json(std::string_view payload);
    bool operator==(const ReleaseStock&) const = default;
};

/// The order is confirmed: its reservation becomes a sale (stock and reserved both drop).
struct CommitStock {
    static constexpr std::string_view kType = "store.product.commit-stock.v1";
    static constexpr std::string_view kTopic = "store.product.commands";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<CommitStock> from_json(std::string_view payload);
    bool operator==(const CommitStock&) const = default;
};

}  // namespace courier::schemas::store
