#include "courier/service/service_runtime.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/inbox_store.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/core/errors.hpp"
#include "courier/core/logging.hpp"
#include "courier/http/health.hpp"
#include "courier/http/http_error.hpp"
#include "courier/http/middleware/access_log.hpp"
#include "courier/consumers/middleware/tracing_hook.hpp"
#include "courier/tracing/consumer_hooks.hpp"
#include "courier/tracing/http_spans.hpp"
#include "courier/tracing/messaging.hpp"
#include "courier/tracing/span.hpp"
#include "courier/tracing/trace_context.hpp"
#include "courier/tracing/tracer_provider.hpp"
#include "courier/tracing/tracing_publisher.hpp"
#include "courier/http/process_metrics.hpp"
#include "courier/http/shutdown_signal.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "courier/outbox/outbox_schema.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/dsn.hpp"
#include "courier/pg/migration_runner.hpp"
#include "courier/schemas/schema_catalog.hpp"

namespace courier::service {

using namespace std::chrono_literals;

namespace {

// The consumer families of docs/metrics.md.
constexpr std::string_view kMessages = "courier_consumer_messages_total";
constexpr std::string_view kMessagesHelp =
    "Messages by topic, ce_type and outcome (handled, failed, dead_lettered, skipped, retried).";
constexpr std::string_view kHandlerDuration = "courier_consumer_handler_duration_seconds";
constexpr std::string_view kHandlerDurationHelp =
    "Seconds a handler took, with its middleware and transaction, by topic and ce_type.";
// Handlers take milliseconds: finer at the low end than the HTTP defaults.
constexpr std::array<double, 13> kHandlerBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.25,  0.5,    1,     2.5,  5,     10};
constexpr auto kLagInterval = 5s;
// Lag older than this is not shown: a stale number looks like a healthy one.
constexpr auto kLagStaleAfter = 30s;

// Each outcome the router reports becomes a sample; the metrics registry is thread-safe.
consumers::RouterObserver consumer_metrics(http::Metrics& metrics) {
    return [&metrics](const consumers::MessageObservation& o) {
        http::Labels labels{{"topic", std::string(o.topic)}, {"type", std::string(o.type)}};
        if (o.handler_time) {
            metrics.histogram_observe(kHandlerDuration, kHandlerDurationHelp, labels,
                                      std::chrono::duration<double>(*o.handler_time).count(),
                                      kHandlerBuckets);
        }
        labels.emplace_back("outcome", std::string(consumers::to_string(o.outcome)));
        metrics.counter_add(kMessages, kMessagesHelp, labels);
    };
}

}  // namespace

struct ServiceRuntime::Kafka {
    Kafka(const ServiceOptions& o, tracing::TracerProvider& tracing, http::Metrics& metrics)
        : publisher(publisher_options(o)),
          relay_publisher(tracing::TracingPublisher::outbox_relay(publisher, tracing.tracer("courier.messaging"))),
          subscriber(broker::kafka::KafkaSubscriberOptions{consumer_properties(o), o.group, "earliest"}),
          admin(o.kafka),
          router(router_options(o, metrics), subscriber, publisher),
          relay(relay_options(o), relay_publisher) {
        // Outermost, so retries and dead-lettering show in the `process` span; messages the
        // handlers write to the outbox carry its context.
        router.use(consumers::middleware::tracing_hook(
            tracing::consumer_tracing_hooks(tracing.tracer("courier.messaging"))));
    }

    static broker::kafka::KafkaPublisherOptions publisher_options(const ServiceOptions& o) {
        broker::kafka::KafkaPublisherOptions p;
        p.properties = o.kafka;
        // A few ms of linger batches the relay's bursts without adding visible latency.
        if (!p.properties.contains("linger.ms")) p.properties.set("linger.ms", "2");
        return p;
    }
    // A member killed without leaving holds its partitions until its session times out; the
    // broker default (45 s) stalls the store that long after a crash. 10 s, unless configured.
    static Properties consumer_properties(const ServiceOptions& o) {
        Properties p = o.kafka;
        if (!p.contains("session.timeout.ms")) p.set("session.timeout.ms", "10000");
        if (!p.contains("heartbeat.interval.ms")) p.set("heartbeat.interval.ms", "1000");
        return p;
    }
    static consumers::RouterOptions router_options(const ServiceOptions& o, http::Metrics& metrics) {
        consumers::RouterOptions r;
        r.group = o.group;
        r.observer = consumer_metrics(metrics);
        r.max_batch = 200;
        r.poll_timeout = 50ms;
        r.parallelism = 4;  // partitions handled side by side; order per partition is kept
        r.stuck_after = 60s;
        r.dead_letter_stuck = true;
        return r;
    }
    static outbox::OutboxRelayOptions relay_options(const ServiceOptions& o) {
        outbox::OutboxRelayOptions r;
        r.dsn = o.database;
        r.name = o.name;
        r.apply_migrations = false;  // migrate() did
        return r;
    }

    broker::kafka::KafkaPublisher publisher;
    tracing::TracingPublisher relay_publisher;  // `send` spans parented on each row's context
    broker::kafka::KafkaSubscriber subscriber;
    broker::kafka::KafkaAdmin admin;
    consumers::Router router;
    outbox::OutboxRelay relay;

    // Reads the group's lag on every partition of `topics` into `lag`. Throws CourierError.
    void refresh_lag(const std::string& group, const std::vector<std::string>& topics) {
        http::Samples samples;
        for (const auto& topic : topics) {
            for (const auto& p : admin.group_lag(group, topic, 5s)) {
                samples.push_back({{{"topic", topic}, {"partition", std::to_string(p.partition.partition)}},
                                   static_cast<double>(p.lag)});
            }
        }
        std::lock_guard lock(lag_mutex);
        lag = std::move(samples);
        lag_read_at = std::chrono::steady_clock::now();
    }

    // Refreshes the lag every kLagInterval until `stop`. A failure is logged (once a minute at most)
    // and the last reading stays until it is stale.
    void watch_lag(std::stop_token stop, const std::string& group, const std::vector<std::string>& topics) {
        std::mutex mutex;
        std::condition_variable_any wake;
        std::chrono::steady_clock::time_point last_warning{};
        while (!stop.stop_requested()) {
            try {
                refresh_lag(group, topics);
            } catch (const std::exception& e) {
                if (std::chrono::steady_clock::now() - last_warning > 60s) {
                    spdlog::warn("group {}: cannot read consumer lag ({}); retrying every {} s", group,
                                 e.what(),
                                 std::chrono::duration_cast<std::chrono::seconds>(kLagInterval).count());
                    last_warning = std::chrono::steady_clock::now();
                }
            }
            std::unique_lock lock(mutex);
            wake.wait_for(lock, stop, kLagInterval, [] { return false; });
        }
    }

    http::Samples current_lag() {
        std::lock_guard lock(lag_mutex);
        if (std::chrono::steady_clock::now() - lag_read_at > kLagStaleAfter) return {};
        return lag;
    }

    // courier_consumer_lag_messages, refreshed by the lag loop so that a scrape never waits for
    // the broker.
    std::mutex lag_mutex;
    http::Samples lag;
    std::chrono::steady_clock::time_point lag_read_at{};
};

namespace {

// OTEL_* as given, except that without an exporter or endpoint nothing is exported: a service
// started without a collector must not log export failures forever.
std::unique_ptr<tracing::TracerProvider> make_tracing(const std::string& service) {
    auto env = [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        return value == nullptr ? std::nullopt : std::optional<std::string>(value);
    };
    const bool configured = env("OTEL_TRACES_EXPORTER") || env("OTEL_EXPORTER_OTLP_ENDPOINT") ||
                            env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    auto options = tracing::TracerProviderOptions::from_env([&](std::string_view name) -> std::optional<std::string> {
        if (name == "OTEL_TRACES_EXPORTER" && !configured) return std::string("none");
        return env(name);
    });
    if (options.service_name.empty()) options.service_name = "courier-" + service;
    return std::make_unique<tracing::TracerProvider>(std::move(options));
}

// A SERVER span per request, current while the handler runs (the outbox rows it writes continue
// the trace); its traceparent goes back to the caller so a trace can be looked up.
http::Middleware server_spans(tracing::Tracer tracer) {
    return [tracer = std::move(tracer)](const http::Request& r, const http::Handler& next) {
        auto span = tracing::start_server_span(tracer, r.method, r.route.empty() ? r.path : r.route, r.path,
                                               r.header("traceparent").value_or(""),
                                               r.header("tracestate").value_or(""));
        http::Response response;
        {
            tracing::Scope scope(span.context());
            try {
                response = next(r);
            } catch (const http::HttpError& e) {
                response = e.to_response();
            }
        }
        if (span.context().valid()) response.headers.emplace_back("traceparent", tracing::format_traceparent(span.context()));
        tracing::end_server_span(span, response.status);
        return response;
    };
}

}  // namespace

namespace {
// name=value pairs for a log line, the values of secrets (passwords, keys) left out.
std::string printable(const Properties& properties) {
    std::string out;
    for (const auto& [key, value] : properties.items()) {
        out += (out.empty() ? "" : ", ") + key + "=" + (is_secret_property(key) ? std::string("[redacted]") : value);
    }
    return out;
}
}  // namespace

ServiceRuntime::ServiceRuntime(ServiceOptions options)
    : options_(std::move(options)),
      tracing_(make_tracing(options_.name)),
      pool_(options_.database, options_.pool_size),
      // Every message the service writes is checked against the event catalog before it is
      // stored, so a bad payload fails the request instead of reaching a consumer.
      outbox_(outbox::OutboxOptions{[](const Message& m) { return schemas::SchemaCatalog::embedded().validate(m); },
                                    true,
                                    [](Headers& headers) {
                                        const auto context = tracing::current_context();
                                        if (context.valid()) tracing::inject(context, headers);
                                    }}),
      inbox_(std::make_unique<consumers::InboxStore>(options_.group)),
      kafka_(std::make_unique<Kafka>(options_, *tracing_, metrics_)) {
    register_metrics();
    spdlog::debug("{}: database {}, Kafka client properties {}", options_.name, pg::redact_dsn(options_.database),
                  printable(options_.kafka));
}

ServiceRuntime::~ServiceRuntime() { stop(); }

broker::Publisher& ServiceRuntime::publisher() noexcept { return kafka_->publisher; }
consumers::Router& ServiceRuntime::consumer() noexcept { return kafka_->router; }

void ServiceRuntime::migrate(const std::string& component, const std::vector<pg::Migration>& migrations,
                             std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        try {
            auto connection = pg::Connection::open(options_.database);
            outbox::install(connection);
            pg::MigrationRunner(connection).apply("courier.inbox", consumers::InboxStore::migrations());
            pg::MigrationRunner(connection).apply(component, migrations);
            return;
        } catch (const CourierError& e) {
            if (e.kind() != ErrorKind::transient || std::chrono::steady_clock::now() >= deadline) {
                throw CourierError(e.kind(), std::string("service ") + options_.name + ": database not usable: " + e.what(),
                                   "check --database / COURIER_DATABASE_URL and that the server runs");
            }
            spdlog::warn("{}: database not reachable yet ({}); retrying", options_.name, e.what());
            std::this_thread::sleep_for(1s);
        }
    }
}

void ServiceRuntime::ensure_topics(const std::vector<std::string>& topics, std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (const auto& topic : topics) {
        for (const auto& name : {topic, topic + ".dlq"}) {
            for (;;) {
                try {
                    kafka_->admin.create_topic(broker::kafka::TopicSpec{name, options_.partitions, 1, {}}, true);
                    break;
                } catch (const CourierError& e) {
                    if (e.kind() != ErrorKind::transient || std::chrono::steady_clock::now() >= deadline) {
                        throw CourierError(e.kind(), "service " + options_.name + ": cannot create topic " + name + ": " + e.what(),
                                           "check --bootstrap / COURIER_BROKERS and that the broker runs");
                    }
                    spdlog::warn("{}: broker not reachable yet ({}); retrying", options_.name, e.what());
                    std::this_thread::sleep_for(1s);
                }
            }
        }
    }
}

consumers::Handler ServiceRuntime::exactly_once(consumers::Handler handler) {
    return consumers::middleware::inbox(pool_, *inbox_)(std::move(handler));
}

void ServiceRuntime::add_background(std::string name, std::function<void(std::stop_token)> loop) {
    loops_.emplace_back(std::move(name), std::move(loop));
}

bool ServiceRuntime::database_ready() {
    auto connection = pool_.try_acquire(1s);
    if (!connection) return false;
    return (*connection)->try_exec("SELECT 1").has_value();
}

bool ServiceRuntime::broker_ready() {
    try {
        kafka_->admin.list_topics(2s);
        return true;
    } catch (const CourierError&) {
        return false;
    }
}

void ServiceRuntime::register_metrics() {
    // Every family of docs/metrics.md that this runtime owns, declared now so that the first scrape
    // shows them all; label-free ones start at 0.
    metrics_.declare(kMessages, kMessagesHelp, http::MetricType::counter);
    metrics_.declare(kHandlerDuration, kHandlerDurationHelp, http::MetricType::histogram, kHandlerBuckets);
    metrics_.gauge_callback("courier_consumer_lag_messages",
                            "Messages behind: end offset minus the committed offset of this service's group.",
                            [this] { return kafka_->current_lag(); });
    metrics_.counter_callback(
        "courier_outbox_published_total", "Outbox rows published and acknowledged by the broker.", [this] {
            return http::Samples{{{}, static_cast<double>(kafka_->relay.stats().published)}};
        });
    metrics_.counter_callback(
        "courier_outbox_publish_failures_total", "Failed outbox publish attempts.", [this] {
            return http::Samples{{{}, static_cast<double>(kafka_->relay.stats().failed)}};
        });
    metrics_.gauge_callback("courier_outbox_backlog_rows", "Outbox rows not yet published.", [this] {
        auto connection = pool_.acquire(1s);
        auto backlog = outbox::Outbox::backlog(*connection);
        if (!backlog) throw CourierError(backlog.error(), "reading the outbox backlog");
        return http::Samples{{{}, static_cast<double>(backlog->rows)}};
    });
    metrics_.gauge_callback(
        "courier_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0 when empty).",
        [this] {
            auto connection = pool_.acquire(1s);
            auto backlog = outbox::Outbox::backlog(*connection);
            if (!backlog) throw CourierError(backlog.error(), "reading the outbox backlog");
            return http::Samples{{{}, std::chrono::duration<double>(backlog->oldest_age).count()}};
        });
    try {
        http::add_process_metrics(metrics_);
    } catch (const std::exception& e) {
        spdlog::warn("{}: no process_* metrics: {}", options_.name, e.what());
    }
    http::add_health_routes(
        http_,
        [this] {
            return std::vector<std::pair<std::string, bool>>{{"database", database_ready()},
                                                             {"broker", broker_ready()}};
        },
        &metrics_);
}

void ServiceRuntime::start() {
    if (started_) return;
    started_ = true;
    threads_.emplace_back([this](std::stop_token stop) { kafka_->relay.run(stop); });
    if (consuming_) {
        threads_.emplace_back([this](std::stop_token stop) { kafka_->router.run(stop); });
        threads_.emplace_back([this, topics = kafka_->router.topics()](std::stop_token stop) {
            kafka_->watch_lag(stop, options_.group, topics);
        });
    }
    for (auto& [name, loop] : loops_) {
        threads_.emplace_back([&loop, name = name](std::stop_token stop) {
            try {
                loop(stop);
            } catch (const std::exception& e) {
                spdlog::critical("background loop {} ended: {}", name, e.what());
            }
        });
    }
    http::ServerOptions server;
    server.address = options_.http_address;
    server.port = options_.http_port;
    server.threads = 4;
    server_ = std::make_unique<http::Server>(
        server, http_,
        std::vector<http::Middleware>{http::access_log(options_.name), server_spans(tracing_->tracer("courier.http"))},
        &metrics_);
    server_->start();
    spdlog::info("{}: HTTP on http://{}:{}, group {}, database {}", options_.name, options_.http_address,
                 server_->port(), options_.group, pg::redact_dsn(options_.database));
}

void ServiceRuntime::stop() {
    if (!started_) return;
    started_ = false;
    if (server_) server_->stop();
    // The router first (it finishes and commits what it holds; handlers enqueue into the outbox),
    // then the loops, then the relay, which publishes what is in flight.
    for (auto it = threads_.rbegin(); it != threads_.rend(); ++it) {
        it->request_stop();
        it->join();
    }
    threads_.clear();
    tracing_->force_flush(std::chrono::seconds(5));
}

uint16_t ServiceRuntime::http_port() const { return server_ ? server_->port() : options_.http_port; }

int run_service_main(int argc, char** argv, const ServiceMain& main) {
    const std::string program = "courier-" + main.name;
    auto settings_list = common_settings(main.name, main.default_port);
    settings_list.insert(settings_list.end(), main.extra_settings.begin(), main.extra_settings.end());
    Settings settings;
    try {
        settings = Settings::parse(std::vector<std::string>(argv + 1, argv + argc), settings_list, main.switches);
    } catch (const ConfigError& e) {
        std::cerr << program << ": " << e.what() << "\n\n" << Settings::usage(program, main.summary, settings_list, main.switches);
        return 2;
    }
    if (settings.help()) {
        std::cout << Settings::usage(program, main.summary, settings_list, main.switches);
        return 0;
    }
    configure_logging(settings.get("log-level"));
    http::ShutdownSignal signal;
    try {
        ServiceRuntime runtime(ServiceOptions::from(main.name, settings));
        std::shared_ptr<void> keep;
        if (auto done = main.build(settings, runtime, keep)) return *done;
        runtime.start();
        signal.wait();
        spdlog::info("{}: stopping", program);
        runtime.stop();
        return 0;
    } catch (const ConfigError& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 2;
    } catch (const CourierError& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace courier::service
