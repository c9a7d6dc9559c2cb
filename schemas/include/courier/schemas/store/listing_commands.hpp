#pragma once
// Topic store.listing.commands (key: order id): what the PlaceOrder saga asks of the listing service.

#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/schemas/store/common.hpp"

namespace courier::schemas::store {

/// Check every item (listed, active, at the quoted price, enough listed units) and take the units.
/// Replied to with ListingConfirmed (each line with its product) or ListingRejected.
struct ConfirmListing {
    static constexpr std::string_view kType = "store.listing.confirm-listing.v1";
    static constexpr std::string_view kTopic = "store.listing.commands";

    std::string order_id;
    std::vector<OrderItem> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ConfirmListing> from_json(std::string_view payload);
    bool operator==(const ConfirmListing&) const = default;
};

/// Compensation: give the order's units back to their listings. Replied to with ListingReleased;
/// releasing an unknown or already released order is a no-op that still replies.
struct ReleaseListing {
    static constexpr std::string_view kType = "store.listing.release-listing.v1";
    static constexpr std::string_view kTopic = "store.listing.commands";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ReleaseListing> from_json(std::string_view payload);
    bool operator==(const ReleaseListing&) const = default;
};

}  // namespace courier::schemas::store
