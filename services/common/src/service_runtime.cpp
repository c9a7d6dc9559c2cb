#include "courier/service/service_runtime.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

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
#include "courier/http/shutdown_signal.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "courier/outbox/outbox_schema.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/dsn.hpp"
#include "courier/pg/migration_runner.hpp"
#include "courier/schemas/schema_catalog.hpp"

namespace courier::service {

using namespace std::chrono_literals;

struct ServiceRuntime::Kafka {
    Kafka(const ServiceOptions& o, tracing::TracerProvider& tracing)
        : publisher(publisher_options(o)),
          relay_publisher(tracing::TracingPublisher::outbox_relay(publisher, tracing.tracer("courier.messaging"))),
          subscriber(broker::kafka::KafkaSubscriberOptions{consumer_properties(o), o.group, "earliest"}),
          admin(o.kafka),
          router(router_options(o), subscriber, publisher),
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
    static consumers::RouterOptions router_options(const ServiceOptions& o) {
        consumers::RouterOptions r;
        r.group = o.group;
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
      kafka_(std::make_unique<Kafka>(options_, *tracing_)) {
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
    metrics_.gauge_callback("courier_consumer_messages", "Messages by outcome since start (handled, failed, dead_lettered, skipped, retried)", [this] {
        const auto s = kafka_->router.stats();
        return std::vector<std::pair<http::Labels, double>>{
            {{{"outcome", "handled"}}, static_cast<double>(s.handled)},
            {{{"outcome", "failed"}}, static_cast<double>(s.failed)},
            {{{"outcome", "dead_lettered"}}, static_cast<double>(s.dead_lettered)},
            {{{"outcome", "skipped"}}, static_cast<double>(s.skipped)},
            {{{"outcome", "retried"}}, static_cast<double>(s.retried)},
        };
    });
    metrics_.gauge_callback("courier_outbox_relay_messages", "Outbox relay counters since start", [this] {
        const auto s = kafka_->relay.stats();
        return std::vector<std::pair<http::Labels, double>>{
            {{{"outcome", "published"}}, static_cast<double>(s.published)},
            {{{"outcome", "failed"}}, static_cast<double>(s.failed)},
            {{{"outcome", "retried"}}, static_cast<double>(s.retries)},
        };
    });
    metrics_.gauge_callback("courier_outbox_backlog_rows", "Outbox rows not yet published", [this] {
        auto connection = pool_.acquire(1s);
        auto backlog = outbox::Outbox::backlog(*connection);
        if (!backlog) throw CourierError(backlog.error(), "reading the outbox backlog");
        return std::vector<std::pair<http::Labels, double>>{{{}, static_cast<double>(backlog->rows)}};
    });
    metrics_.gauge_callback("courier_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", [this] {
        auto connection = pool_.acquire(1s);
        auto backlog = outbox::Outbox::backlog(*connection);
        if (!backlog) throw CourierError(backlog.error(), "reading the outbox backlog");
        return std::vector<std::pair<http::Labels, double>>{
            {{}, std::chrono::duration<double>(backlog->oldest_age).count()}};
    });
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
    if (consuming_) threads_.emplace_back([this](std::stop_token stop) { kafka_->router.run(stop); });
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
