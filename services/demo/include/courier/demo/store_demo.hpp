#pragma once
// The demo store as a whole (DESIGN.md §10): start the three services as processes, seed a
// catalog, place orders at a rate — some designed to fail — and check the invariants. Used by
// `courier demo` and by the e2e tests, so what the demo shows is what the tests assert.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "courier/demo/child_process.hpp"

namespace courier::demo {

/// Base URLs of the three services, e.g. "http://127.0.0.1:8081".
struct StoreEndpoints {
    std::string product;
    std::string listing;
    std::string order;
};

struct LaunchOptions {
    std::filesystem::path product_bin;
    std::filesystem::path listing_bin;
    std::filesystem::path order_bin;
    std::string bootstrap;
    /// A DSN of the PostgreSQL server (any database on it); each service gets a database of its
    /// own, <database_prefix><service>, created when missing.
    std::string database;
    std::string database_prefix = "courier_";
    std::string address = "127.0.0.1";
    uint16_t base_port = 8081;  ///< product; listing +1, order +2
    std::string group_prefix = "store-";
    std::filesystem::path log_dir;
    std::chrono::milliseconds step_timeout{30000};
    int partitions = 4;
    std::chrono::milliseconds ready_timeout{90000};
    std::vector<std::pair<std::string, std::string>> extra_env = {};
};

/// `dsn` (URL or key=value form) with its database name replaced by `database`.
std::string with_database(const std::string& dsn, const std::string& database);

/// The three services running as child processes. Starts them in order (product, listing,
/// order), waits until each answers /readyz, and stops them (SIGTERM) when destroyed.
class RunningStore {
public:
    /// Throws CourierError naming the service and its log's tail when one does not get ready.
    explicit RunningStore(LaunchOptions options);
    ~RunningStore();
    const StoreEndpoints& endpoints() const noexcept { return endpoints_; }
    const LaunchOptions& options() const noexcept { return options_; }
    /// "product", "listing" or "order".
    ChildProcess& process(const std::string& service);
    /// Starts a stopped or killed service again and waits for it to be ready.
    void restart(const std::string& service);
    void stop();

private:
    ChildProcess launch(const std::string& service);
    void wait_ready(const std::string& service, ChildProcess& process);

    LaunchOptions options_;
    StoreEndpoints endpoints_;
    std::map<std::string, ChildProcess> processes_;
};

/// Waits until GET <url>/readyz answers 200; false after `timeout`.
bool wait_until_ready(const std::string& url, std::chrono::milliseconds timeout);

enum class OrderKind { regular, out_of_stock, delisted, wrong_price };
std::string_view to_string(OrderKind kind) noexcept;
/// What an order of this kind must end as: "CONFIRMED" or "CANCELLED:<reason code>".
std::string expected_outcome(OrderKind kind);

struct CatalogItem {
    std::string sku;
    std::string product_id;
    std::string listing_id;
    int64_t price_cents = 0;
    int64_t initial_stock = 0;
    int64_t initial_listed = 0;
    bool active = true;
    bool scarce = false;  ///< little stock behind a large listing: orders for more are rejected
};

struct Catalog {
    std::vector<CatalogItem> items;
};

struct SeedOptions {
    int regular_products = 20;
    int64_t regular_stock = 1000000;
    /// Appended to every sku so catalogs of several runs can share a store.
    std::string run_id;
};

/// Creates products and their listings over HTTP: `regular_products` well-stocked ones, a scarce
/// one and an inactive listing. Throws CourierError with the service's answer when one fails.
Catalog seed_catalog(const StoreEndpoints& store, const SeedOptions& options);

struct LoadOptions {
    double rate = 50;  ///< orders per second
    std::chrono::milliseconds duration{30000};
    std::size_t max_orders = 0;     ///< 0: as many as rate × duration
    double failure_share = 0.2;     ///< spread over out_of_stock, delisted, wrong_price
    int workers = 8;                ///< HTTP clients placing orders side by side
    std::string bootstrap;          ///< Kafka, to read outcomes from store.order.events
    std::chrono::milliseconds settle_timeout{120000};  ///< wait for outcomes after the last order
    std::ostream* progress = nullptr;                  ///< a live progress line, when given
    const std::atomic<bool>* stop = nullptr;           ///< ends the placing early
    uint64_t seed = 42;
};

struct OrderRecord {
    std::string id;
    OrderKind kind = OrderKind::regular;
    std::vector<std::pair<std::size_t, int64_t>> items;  ///< catalog index, quantity
    std::chrono::steady_clock::time_point placed_at{};
    std::optional<std::string> outcome;  ///< "CONFIRMED" or "CANCELLED:<code>" from the events
    double latency_ms = 0;
};

struct LoadReport {
    std::size_t placed = 0;
    std::size_t confirmed = 0;
    std::size_t cancelled = 0;
    std::size_t unfinished = 0;
    std::size_t http_failures = 0;        ///< POSTs that were not answered 202
    std::size_t unexpected_outcomes = 0;  ///< outcome differs from the kind's expected one
    std::map<std::string, std::size_t> cancel_reasons;
    double placing_seconds = 0;
    double total_seconds = 0;
    double placed_per_second = 0;
    double completed_per_second = 0;  ///< orders finished / (time to the last outcome)
    double p50_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
    std::vector<OrderRecord> orders;
    std::vector<std::string> http_errors;  ///< the first few, for the report
};

/// Places orders at `rate` for `duration` and waits for their outcomes on store.order.events.
LoadReport run_load(const StoreEndpoints& store, const Catalog& catalog, const LoadOptions& options);

struct InvariantReport {
    std::vector<std::string> passed;
    std::vector<std::string> failed;
    bool ok() const noexcept { return failed.empty(); }
};

/// DESIGN.md §10's invariants after a load: every order final (events and GET agree) and as its
/// kind demands; per product nothing reserved and initial stock = stock + confirmed units; per
/// listing initial listed = quantity + confirmed units (no effect applied twice, none lost); the
/// listing projection equal to product availability (waits up to `converge` for it).
/// With `timeouts_allowed` (fault runs, where an outage may outlast a step timeout), an order
/// cancelled with reason "timeout" counts as ended as designed: it was compensated cleanly.
InvariantReport check_invariants(const StoreEndpoints& store, const Catalog& catalog, const LoadReport& load,
                                 std::chrono::milliseconds converge = std::chrono::seconds(30),
                                 bool timeouts_allowed = false);

/// The summary table and the invariant verdicts.
void print_summary(std::ostream& out, const LoadReport& load, const InvariantReport& invariants);

}  // namespace courier::demo
