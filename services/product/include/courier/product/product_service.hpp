#pragma once
// The product service (DESIGN.md §10): the catalog and warehouse stock. Reserves stock for an
// order all-or-nothing, releases it (compensation, idempotent), commits it when the order is
// confirmed, and announces every change on store.product.events with the product's whole state
// and a version, so projections can be rebuilt by replay.

#include <cstdint>
#include <vector>

#include "courier/pg/migration.hpp"
#include "courier/service/service_runtime.hpp"

namespace courier::product {

inline constexpr uint16_t kDefaultPort = 8081;
inline constexpr const char* kCommands = "store.product.commands";
inline constexpr const char* kReplies = "store.product.replies";
inline constexpr const char* kEvents = "store.product.events";

/// Tables product, product_reservation, product_reservation_line.
std::vector<pg::Migration> migrations();

/// Migrates the database, creates the topics, and registers the HTTP API (POST /products,
/// GET /products, GET /products/{id}, POST /products/{id}/stock) and the command handlers.
void install(service::ServiceRuntime& runtime);

}  // namespace courier::product
