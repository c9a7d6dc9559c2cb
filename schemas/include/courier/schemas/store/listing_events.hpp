#pragma once
// Topic store.listing.events (key: listing id): the storefront's listings, whole state per event.

#include <cstdint>
#include <string>
#include <string_view>

#include "courier/core/result.hpp"

namespace courier::schemas::store {

/// A listing was created.
struct ListingCreated {
    static constexpr std::string_view kType = "store.listing.created.v1";
    static constexpr std::string_view kTopic = "store.listing.events";

    std::string listing_id;  ///< UUID
    int64_t version = 1;     ///< 1 for the first event of a listing, +1 per change
    std::string product_id;  ///< UUID
    std::string title;       ///< 1..200 characters
    int64_t price_cents = 0;
    int64_t quantity = 0;  ///< listed units left to sell
    bool active = false;

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ListingCreated> from_json(std::string_view payload);
    bool operator==(const ListingCreated&) const = default;
};

/// A listing's price, quantity or active flag changed (whole state, as in ListingCreated).
struct ListingUpdated {
    static constexpr std::string_view kType = "store.listing.updated.v1";
    static constexpr std::string_view kTopic = "store.listing.events";

    std::string listing_id;
    int64_t version = 1;
    std::string product_id;
    std::string title;
    int64_t price_cents = 0;
    int64_t quantity = 0;
    bool active = false;

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ListingUpdated> from_json(std::string_view payload);
    bool operator==(const ListingUpdated&) const = default;
};

}  // namespace courier::schemas::store
