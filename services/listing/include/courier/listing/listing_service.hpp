#pragma once
// The listing service (DESIGN.md §10): the storefront. Listings of products with a price, an
// active flag and a listed quantity; confirms an order's items (taking the units) or rejects them
// with a reason, gives units back on release (compensation, idempotent); and keeps a projection
// of each product's available stock built from store.product.events, rebuildable by replay.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "courier/core/properties.hpp"
#include "courier/pg/migration.hpp"
#include "courier/service/service_runtime.hpp"

namespace courier::listing {

inline constexpr uint16_t kDefaultPort = 8082;
inline constexpr const char* kCommands = "store.listing.commands";
inline constexpr const char* kReplies = "store.listing.replies";
inline constexpr const char* kEvents = "store.listing.events";
inline constexpr const char* kProductEvents = "store.product.events";

/// Tables listing, listing_confirmation(_line), product_availability.
std::vector<pg::Migration> migrations();

/// Migrates, creates topics, registers the HTTP API (POST/GET /listings, GET/PATCH
/// /listings/{id}), the command handlers and the projection of product events.
void install(service::ServiceRuntime& runtime);

/// What a rebuild did.
struct RebuildReport {
    std::size_t events = 0;     ///< product events read from the topic
    std::size_t products = 0;   ///< rows of the rebuilt projection
    std::size_t changed = 0;    ///< rows that differed from the live projection before the switch
    std::chrono::milliseconds took{0};
};

/// Rebuilds the product_availability projection from the whole product events topic: reads it
/// from the beginning up to the end offsets it finds at the start (no consumer group, nothing
/// committed) into a side table, then switches it in in one transaction, keeping live rows whose
/// version is newer than the rebuilt one (events that arrived meanwhile). Safe while the service
/// runs. Throws CourierError when the broker or database is unreachable (nothing switched).
RebuildReport rebuild_projection(const std::string& database, const Properties& kafka,
                                 std::chrono::milliseconds timeout = std::chrono::minutes(5));

}  // namespace courier::listing
