#pragma once
// The example PlaceOrder saga (ConfirmListing → ReserveStock, DESIGN.md §10) used by the tests
// and the fault-test worker.

#include <chrono>
#include <string>

#include "courier/saga/saga_definition.hpp"

namespace courier::saga::testing {

using namespace std::chrono_literals;

inline constexpr const char* kType = "store.place-order";
inline constexpr const char* kListingCommands = "store.listing.commands";
inline constexpr const char* kProductCommands = "store.product.commands";
inline constexpr const char* kConfirmListing = "store.listing.confirm-listing.v1";
inline constexpr const char* kListingConfirmed = "store.listing.listing-confirmed.v1";
inline constexpr const char* kListingRejected = "store.listing.listing-rejected.v1";
inline constexpr const char* kReleaseListing = "store.listing.release-listing.v1";
inline constexpr const char* kListingReleased = "store.listing.listing-released.v1";
inline constexpr const char* kReleaseFailed = "store.listing.release-failed.v1";
inline constexpr const char* kReserveStock = "store.product.reserve-stock.v1";
inline constexpr const char* kStockReserved = "store.product.stock-reserved.v1";
inline constexpr const char* kStockRejected = "store.product.stock-rejected.v1";
inline constexpr const char* kReleaseStock = "store.product.release-stock.v1";
inline constexpr const char* kStockReleased = "store.product.stock-released.v1";

/// The PlaceOrder saga's shape. A listing confirmation's payload replaces the saga data (so a test
/// can see the data update reach the next command).
inline SagaDefinition place_order(std::chrono::milliseconds timeout = 10s,
                                  std::chrono::milliseconds compensation_timeout = 5s, int attempts = 3,
                                  std::string listing_topic = kListingCommands,
                                  std::string product_topic = kProductCommands) {
    SagaStep listing;
    listing.name = "confirm-listing";
    listing.invoke = [listing_topic](const std::string& data) {
        return Command{listing_topic, kConfirmListing, data};
    };
    listing.success_replies = {kListingConfirmed};
    listing.failure_replies = {kListingRejected};
    listing.timeout = timeout;
    listing.on_success = [](const std::string& data, const std::string& reply) -> Result<std::string> {
        return reply.empty() ? data : reply;
    };
    listing.compensate = [listing_topic](const std::string& data) -> std::optional<Command> {
        return Command{listing_topic, kReleaseListing, data};
    };
    listing.compensation_replies = {kListingReleased};
    listing.compensation_failures = {kReleaseFailed};
    listing.compensation_timeout = compensation_timeout;

    SagaStep stock;
    stock.name = "reserve-stock";
    stock.invoke = [product_topic](const std::string& data) {
        return Command{product_topic, kReserveStock, data};
    };
    stock.success_replies = {kStockReserved};
    stock.failure_replies = {kStockRejected};
    stock.timeout = timeout;
    stock.compensate = [product_topic](const std::string& data) -> std::optional<Command> {
        return Command{product_topic, kReleaseStock, data};
    };
    stock.compensation_replies = {kStockReleased};
    stock.compensation_timeout = compensation_timeout;
    return SagaDefinition{kType, {listing, stock}, attempts};
}

}  // namespace courier::saga::testing
