#pragma once
// Topic store.listing.replies (key: order id): the listing service's answers to the saga.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/schemas/store/common.hpp"

namespace courier::schemas::store {

/// Every item was listed and its units were taken; each line names its product.
struct ListingConfirmed {
    static constexpr std::string_view kType = "store.listing.listing-confirmed.v1";
    static constexpr std::string_view kTopic = "store.listing.replies";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ListingConfirmed> from_json(std::string_view payload);
    bool operator==(const ListingConfirmed&) const = default;
};

/// The items could not be confirmed and no units were taken.
struct ListingRejected {
    static constexpr std::string_view kType = "store.listing.listing-rejected.v1";
    static constexpr std::string_view kTopic = "store.listing.replies";

    std::string order_id;
    Reason reason;  ///< listing_not_found, listing_inactive, price_changed or insufficient_quantity
    std::optional<std::string> listing_id;  ///< the first listing that failed the check

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ListingRejected> from_json(std::string_view payload);
    bool operator==(const ListingRejected&) const = default;
};

/// The order's units went back to their listings.
struct ListingReleased {
    static constexpr std::string_view kType = "store.listing.listing-released.v1";
    static constexpr std::string_view kTopic = "store.listing.replies";

    std::string order_id;
    std::vector<OrderLine> items;  ///< 1..100

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ListingReleased> from_json(std::string_view payload);
    bool operator==(const ListingReleased&) const = default;
};

}  // namespace courier::schemas::store
