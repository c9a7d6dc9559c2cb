#pragma once
// The order service (DESIGN.md §10): takes orders over HTTP (202 at once; the order and its
// OrderPlaced event are written in one transaction through the outbox) and hosts the PlaceOrder
// saga: ConfirmListing → ReserveStock → confirm (CommitStock, order CONFIRMED). A rejection or a
// timeout compensates the completed steps in reverse and cancels the order with the reason.

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "courier/pg/migration.hpp"
#include "courier/saga/saga_definition.hpp"
#include "courier/service/service_runtime.hpp"

namespace courier::order {

inline constexpr uint16_t kDefaultPort = 8083;
inline constexpr const char* kEvents = "store.order.events";
inline constexpr const char* kSagaType = "store.place-order";

/// Table store_order.
std::vector<pg::Migration> migrations();

struct OrderServiceOptions {
    /// How long a step may wait for its participant before the saga compensates.
    std::chrono::milliseconds step_timeout{30000};
    std::chrono::milliseconds compensation_timeout{30000};
    /// Load shedding: while more orders than this are PENDING, POST /orders answers 429 with
    /// Retry-After instead of queueing more work than the saga pipeline drains. 0: no limit.
    int64_t max_pending = 5000;
};

/// The PlaceOrder saga (exposed for tests and tools). `source` is the order service's ce_source.
saga::SagaDefinition place_order_saga(const OrderServiceOptions& options);

/// Migrates (order tables and the saga's), creates topics, registers the HTTP API (POST /orders,
/// GET /orders/{id}), the saga's reply handlers and its timeout sweeper. The returned object owns
/// the coordinator; keep it alive while the runtime runs.
std::shared_ptr<void> install(service::ServiceRuntime& runtime, const OrderServiceOptions& options);

}  // namespace courier::order
