#pragma once
// The parts every store service runs (DESIGN.md §10): a PostgreSQL pool, an idempotent Kafka
// publisher shared by the outbox relay and the dead-letter path, a consumer-group Router, the
// outbox relay, optional background loops, and the HTTP API with /healthz, /readyz, /metrics.
// A service registers its routes and handlers, then start(); stop() undoes it in reverse.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "courier/consumers/router.hpp"
#include "courier/http/metrics.hpp"
#include "courier/http/server.hpp"
#include "courier/outbox/outbox.hpp"
#include "courier/pg/connection_pool.hpp"
#include "courier/pg/migration.hpp"
#include "courier/service/service_options.hpp"

namespace courier::broker {
class Publisher;
}
namespace courier::consumers {
class InboxStore;
}
namespace courier::tracing {
class TracerProvider;
}

namespace courier::service {

class ServiceRuntime {
public:
    /// Connects nothing yet apart from creating the Kafka clients (which connect lazily).
    /// Throws ConfigError for bad Kafka properties.
    explicit ServiceRuntime(ServiceOptions options);
    ~ServiceRuntime();
    ServiceRuntime(const ServiceRuntime&) = delete;
    ServiceRuntime& operator=(const ServiceRuntime&) = delete;

    const ServiceOptions& options() const noexcept { return options_; }
    /// "/store/<name>": the ce_source of everything the service writes.
    std::string source() const { return "/store/" + options_.name; }

    pg::ConnectionPool& pool() noexcept { return pool_; }
    const outbox::Outbox& outbox() const noexcept { return outbox_; }
    broker::Publisher& publisher() noexcept;
    http::Metrics& metrics() noexcept { return metrics_; }
    http::Router& http() noexcept { return http_; }
    /// Spans of this service (OTEL_* environment; nothing exported unless OTEL_TRACES_EXPORTER or
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set, but trace context always propagates).
    tracing::TracerProvider& tracing() noexcept { return *tracing_; }
    consumers::Router& consumer() noexcept;

    /// Waits (bounded, retrying) until the database answers, then applies the outbox and inbox
    /// migrations and `migrations` for `component`. Throws CourierError when the database stays
    /// unreachable for `wait`.
    void migrate(const std::string& component, const std::vector<pg::Migration>& migrations,
                 std::chrono::milliseconds wait = std::chrono::seconds(60));
    /// Creates `topics` and their ".dlq" topics when missing (options().partitions each).
    void ensure_topics(const std::vector<std::string>& topics,
                       std::chrono::milliseconds wait = std::chrono::seconds(60));
    /// `handler` inside the inbox middleware of the service's group: its writes and the message's
    /// "seen" mark commit in one transaction (Context::transaction), duplicates are skipped.
    consumers::Handler exactly_once(consumers::Handler handler);
    /// A loop to run on its own thread between start() and stop() (e.g. the saga timeout sweeper).
    void add_background(std::string name, std::function<void(std::stop_token)> loop);
    /// Whether the consumer router runs (a service without handlers turns it off).
    void set_consuming(bool on) noexcept { consuming_ = on; }

    /// Starts the relay, the router, the background loops and the HTTP server. Throws
    /// CourierError when the HTTP port cannot be bound.
    void start();
    /// Stops accepting HTTP requests, then the router (which finishes and commits what it
    /// holds), the background loops, the relay (publishing what is in flight). Idempotent.
    void stop();
    uint16_t http_port() const;

    /// True when the database answers a query and the broker answers a metadata request.
    bool database_ready();
    bool broker_ready();

private:
    void register_metrics();

    ServiceOptions options_;
    std::unique_ptr<tracing::TracerProvider> tracing_;
    pg::ConnectionPool pool_;
    outbox::Outbox outbox_;
    std::unique_ptr<consumers::InboxStore> inbox_;
    http::Metrics metrics_;
    http::Router http_;
    struct Kafka;
    std::unique_ptr<Kafka> kafka_;
    std::unique_ptr<http::Server> server_;
    std::vector<std::pair<std::string, std::function<void(std::stop_token)>>> loops_;
    std::vector<std::jthread> threads_;
    bool consuming_ = true;
    bool started_ = false;
};

/// What a service main hands to run_service_main.
struct ServiceMain {
    std::string name;  ///< "product"
    uint16_t default_port = 0;
    std::string summary;
    std::vector<Setting> extra_settings = {};
    std::vector<std::string> switches = {};
    /// Registers routes and handlers on the runtime (migrations applied already). Returns an exit
    /// code to end at once (a one-shot mode such as --rebuild), std::nullopt to serve. The
    /// returned object (if any) lives until the service stops.
    std::function<std::optional<int>(const Settings&, ServiceRuntime&, std::shared_ptr<void>& keep)> build;
};

/// Runs a service process: parses settings, configures logging, builds the service, starts it,
/// waits for SIGINT/SIGTERM, stops it gracefully. Returns the exit code (2 for usage errors, 1
/// for start-up failures, each printed with what to do).
int run_service_main(int argc, char** argv, const ServiceMain& main);

}  // namespace courier::service
