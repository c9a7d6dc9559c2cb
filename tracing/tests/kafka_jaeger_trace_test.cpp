// End to end: a traced HTTP request publishes through KafkaPublisher (send span) → real Kafka →
// a Router with the tracing hooks (process span) whose handler writes an "outbox row" carrying
// its context → a relay publishes it (send span continuing the row's trace) → Kafka → another
// process span. Two services export over OTLP/HTTP JSON to a real Jaeger; the test reads the
// trace back from Jaeger's query API and checks the tree, and decodes every exported body with
// the official OTLP protobuf classes.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/testing/environment.hpp"
#include "courier/tracing/consumer_hooks.hpp"
#include "courier/tracing/http_spans.hpp"
#include "courier/tracing/otlp_json.hpp"
#include "courier/tracing/tracer_provider.hpp"
#include "courier/tracing/tracing_publisher.hpp"
#include "http_test_server.hpp"
#include "strict_decoder.hpp"

namespace courier::tracing {
namespace {

using namespace std::chrono_literals;
namespace kafka = broker::kafka;

struct JaegerEndpoints {
    std::string otlp;  // http://127.0.0.1:<port>
    std::string host;
    int query_port = 0;
};

// Where scripts/jaeger runs the test Jaeger; fails loudly (never skips) when unset.
JaegerEndpoints jaeger() {
    const char* otlp = std::getenv("COURIER_TEST_JAEGER_OTLP");
    const char* query = std::getenv("COURIER_TEST_JAEGER_QUERY");
    if (otlp == nullptr || query == nullptr || *otlp == '\0' || *query == '\0') {
        throw std::runtime_error(
            "COURIER_TEST_JAEGER_OTLP / COURIER_TEST_JAEGER_QUERY are not set: this test needs a real "
            "Jaeger. Run "
            "the tests with scripts/test, or start one with `scripts/jaeger start --otlp-port 34318 "
            "--query-port "
            "36686` and export COURIER_TEST_JAEGER_OTLP=http://127.0.0.1:34318 "
            "COURIER_TEST_JAEGER_QUERY=127.0.0.1:36686.");
    }
    JaegerEndpoints out{otlp, {}, 0};
    std::string q(query);
    auto colon = q.rfind(':');
    out.host = q.substr(0, colon);
    out.query_port = std::stoi(q.substr(colon + 1));
    return out;
}

// Sends every batch to Jaeger and keeps a copy of the body for the strict decoder.
class TeeExporter final : public SpanExporter {
public:
    explicit TeeExporter(OtlpHttpExporterOptions options) : inner_(std::move(options)) {}
    ExportResult export_spans(std::span<const SpanData> spans, const Resource& resource) override {
        {
            std::lock_guard lock(mutex_);
            bodies_.push_back(encode_otlp_json(spans, resource));
        }
        return inner_.export_spans(spans, resource);
    }
    void shutdown(std::chrono::steady_clock::time_point deadline) override { inner_.shutdown(deadline); }
    std::vector<std::string> bodies() const {
        std::lock_guard lock(mutex_);
        return bodies_;
    }
    OtlpExporterStats stats() const { return inner_.stats(); }

private:
    OtlpHttpExporter inner_;
    mutable std::mutex mutex_;
    std::vector<std::string> bodies_;
};

Message event(const std::string& topic, const std::string& type, const std::string& subject) {
    Message m;
    m.topic = topic;
    m.payload = R"({"n":1})";
    ce::Attributes a;
    a.type = type;
    a.source = "/test";
    a.subject = subject;
    ce::stamp(m, a);
    return m;
}

Properties kafka_properties() {
    Properties p;
    p.set("bootstrap.servers", courier::testing::kafka_bootstrap());
    return p;
}

struct JaegerSpan {
    std::string span_id, operation, service;
    std::vector<std::pair<std::string, std::string>> references;  // (refType, spanID)
    std::map<std::string, std::string> tags;
};

// GET /api/traces/{id}; the spans when the trace is there.
std::vector<JaegerSpan> read_trace(const JaegerEndpoints& j, const std::string& trace_id, std::string& raw) {
    auto response = testing::http_get(j.host, j.query_port, "/api/traces/" + trace_id);
    raw = response.error.empty() ? response.body : response.error;
    std::vector<JaegerSpan> spans;
    if (response.status != 200) return spans;
    rapidjson::Document doc;
    if (doc.Parse(response.body.c_str()).HasParseError() || !doc.HasMember("data") ||
        !doc["data"].IsArray() || doc["data"].Empty()) {
        return spans;
    }
    const auto& trace = doc["data"][0];
    std::map<std::string, std::string> services;
    for (const auto& p : trace["processes"].GetObject()) {
        services[p.name.GetString()] = p.value["serviceName"].GetString();
    }
    for (const auto& s : trace["spans"].GetArray()) {
        JaegerSpan span;
        span.span_id = s["spanID"].GetString();
        span.operation = s["operationName"].GetString();
        span.service = services[s["processID"].GetString()];
        for (const auto& r : s["references"].GetArray()) {
            span.references.emplace_back(r["refType"].GetString(), r["spanID"].GetString());
        }
        for (const auto& t : s["tags"].GetArray()) {
            const auto& v = t["value"];
            span.tags[t["key"].GetString()] = v.IsString() ? v.GetString()
                                              : v.IsBool() ? (v.GetBool() ? "true" : "false")
                                                           : std::to_string(v.IsInt64() ? v.GetInt64() : 0);
        }
        spans.push_back(std::move(span));
    }
    return spans;
}

std::string tag(const JaegerSpan& span, const std::string& key) {
    auto it = span.tags.find(key);
    return it == span.tags.end() ? "<no tag " + key + ">" : it->second;
}

const JaegerSpan* by_operation(const std::vector<JaegerSpan>& spans, const std::string& operation) {
    for (const auto& s : spans) {
        if (s.operation == operation) return &s;
    }
    return nullptr;
}

TEST(KafkaJaegerTrace, OneTraceRunsFromAnHttpRequestThroughKafkaAndTheOutboxHopToTheLastConsumer) {
    auto j = jaeger();
    auto run_id = courier::testing::unique_name("trace");
    auto orders = courier::testing::unique_name("trace-orders");
    auto replies = courier::testing::unique_name("trace-replies");
    kafka::KafkaAdmin admin(kafka_properties());
    admin.create_topic({orders, 1, 1, {}});
    admin.create_topic({replies, 1, 1, {}});

    // Two services, each with its own provider (its own service.name) exporting to Jaeger.
    auto make_provider = [&](const std::string& service, std::shared_ptr<TeeExporter>& tee) {
        TracerProviderOptions options;
        options.service_name = service;
        options.otlp.endpoint = j.otlp + "/v1/traces";
        options.otlp.initial_backoff = 100ms;
        options.batch.schedule_delay = 100ms;
        tee = std::make_shared<TeeExporter>(options.otlp);
        return std::make_unique<TracerProvider>(options, tee);
    };
    std::shared_ptr<TeeExporter> order_tee, billing_tee;
    auto order_service = make_provider("order-" + run_id, order_tee);
    auto billing_service = make_provider("billing-" + run_id, billing_tee);
    auto order_tracer = order_service->tracer("courier.test.order");
    auto billing_tracer = billing_service->tracer("courier.test.billing");

    kafka::KafkaPublisher kafka_publisher(kafka::KafkaPublisherOptions{kafka_properties()});
    TracingPublisher order_publisher(kafka_publisher, order_tracer);
    // The billing service's outbox relay: its send spans continue each row's stored context.
    auto billing_relay = TracingPublisher::outbox_relay(kafka_publisher, billing_tracer);

    // The billing service consumes orders (writing a reply "outbox row" in its handler) and the
    // order service consumes replies. One router each, as two services would run them.
    std::mutex outbox_mutex;
    std::vector<Message> outbox;
    std::atomic<int> replies_seen{0};

    kafka::KafkaSubscriber billing_subscriber({kafka_properties(), "billing-" + run_id});
    consumers::RouterOptions billing_options;
    billing_options.group = "billing-" + run_id;
    billing_options.poll_timeout = 50ms;
    consumers::Router billing_router(billing_options, billing_subscriber, kafka_publisher);
    billing_router.use(consumers::middleware::tracing_hook(consumer_tracing_hooks(billing_tracer)));
    billing_router.handle("bill", orders, "*", [&](consumers::Context& context) -> Result<void> {
        auto row = event(replies, "billing.billed.v1", context.event.subject);
        // What the outbox writer does inside the handler's transaction.
        EXPECT_TRUE(messaging::inject_current_context(row));
        std::lock_guard lock(outbox_mutex);
        outbox.push_back(std::move(row));
        return {};
    });

    kafka::KafkaSubscriber order_subscriber({kafka_properties(), "order-" + run_id});
    consumers::RouterOptions order_options;
    order_options.group = "order-" + run_id;
    order_options.poll_timeout = 50ms;
    consumers::Router order_router(order_options, order_subscriber, kafka_publisher);
    order_router.use(consumers::middleware::tracing_hook(consumer_tracing_hooks(order_tracer)));
    order_router.handle("billed", replies, "*", [&](consumers::Context&) -> Result<void> {
        ++replies_seen;
        return {};
    });

    std::jthread billing_thread([&](std::stop_token stop) { billing_router.run(stop); });
    std::jthread order_thread([&](std::stop_token stop) { order_router.run(stop); });

    // The request that starts it all, from a caller whose trace we know.
    const std::string caller_trace = new_trace_id().hex();
    const std::string caller_span = new_span_id().hex();
    auto request = start_server_span(order_tracer, "POST", "/orders", "/orders",
                                     "00-" + caller_trace + "-" + caller_span + "-01");
    {
        Scope scope(request.context());
        auto placed = order_publisher.publish(event(orders, "order.placed.v1", "order-1"));
        ASSERT_EQ(placed.wait_for(30s), std::future_status::ready);
        EXPECT_EQ(placed.get().topic, orders);
    }
    end_server_span(request, 202);

    // The relay: publish the row once the handler wrote it.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    Message row;
    while (true) {
        {
            std::lock_guard lock(outbox_mutex);
            if (!outbox.empty()) {
                row = outbox.front();
                break;
            }
        }
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the billing router never handled the order";
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(billing_relay.publish(std::move(row)).wait_for(30s), std::future_status::ready);
    while (replies_seen.load() == 0) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the order router never handled the reply";
        std::this_thread::sleep_for(20ms);
    }
    billing_thread.request_stop();
    order_thread.request_stop();
    billing_thread.join();
    order_thread.join();
    ASSERT_TRUE(order_service->force_flush(10s));
    ASSERT_TRUE(billing_service->force_flush(10s));
    EXPECT_EQ(order_service->stats().export_failed + billing_service->stats().export_failed, 0u)
        << "Jaeger refused or never got a batch";

    // Jaeger's view: one trace, five spans, the right tree.
    std::vector<JaegerSpan> spans;
    std::string raw;
    auto read_deadline = std::chrono::steady_clock::now() + 30s;
    while (true) {
        spans = read_trace(j, caller_trace, raw);
        if (spans.size() >= 5 || std::chrono::steady_clock::now() > read_deadline) break;
        std::this_thread::sleep_for(200ms);
    }
    ASSERT_EQ(spans.size(), 5u) << "Jaeger answered: " << raw.substr(0, 2000);
    const auto* server = by_operation(spans, "POST /orders");
    const auto* send = by_operation(spans, "send " + orders);
    const auto* process = by_operation(spans, "process " + orders);
    const auto* relay = by_operation(spans, "send " + replies);
    const auto* last = by_operation(spans, "process " + replies);
    ASSERT_TRUE(server && send && process && relay && last) << raw.substr(0, 2000);

    auto parent_of = [](const JaegerSpan& s) {
        return s.references.empty() ? std::string() : s.references[0].second;
    };
    EXPECT_EQ(parent_of(*server), caller_span) << "the request continues the caller's trace";
    EXPECT_EQ(parent_of(*send), server->span_id);
    EXPECT_EQ(parent_of(*process), send->span_id);
    EXPECT_EQ(parent_of(*relay), process->span_id) << "the trace must not break at the outbox hop";
    EXPECT_EQ(parent_of(*last), relay->span_id);
    // Jaeger's v1 model folds a link to the parent into the parent reference as FOLLOWS_FROM.
    EXPECT_EQ(process->references[0].first, "FOLLOWS_FROM");

    EXPECT_EQ(server->service, "order-" + run_id);
    EXPECT_EQ(process->service, "billing-" + run_id);
    EXPECT_EQ(relay->service, "billing-" + run_id);
    EXPECT_EQ(tag(*send, "span.kind"), "producer");
    EXPECT_EQ(tag(*process, "span.kind"), "consumer");
    EXPECT_EQ(tag(*server, "span.kind"), "server");
    EXPECT_EQ(tag(*send, "messaging.system"), "kafka");
    EXPECT_EQ(tag(*send, "messaging.operation.type"), "send");
    EXPECT_EQ(tag(*send, "messaging.destination.name"), orders);
    EXPECT_EQ(tag(*send, "messaging.destination.partition.id"), "0");
    EXPECT_EQ(tag(*send, "messaging.kafka.message.key"), "order-1");
    EXPECT_EQ(tag(*process, "messaging.operation.type"), "process");
    EXPECT_EQ(tag(*process, "messaging.consumer.group.name"), "billing-" + run_id);
    EXPECT_EQ(tag(*process, "messaging.destination.partition.id"), "0");
    EXPECT_EQ(tag(*process, "messaging.kafka.offset"), "0");
    EXPECT_EQ(tag(*process, "messaging.message.id"), tag(*send, "messaging.message.id"));
    EXPECT_EQ(tag(*relay, "courier.outbox.relayed"), "true");

    // The OTLP view (Jaeger's api/v3 keeps parent and link apart).
    auto v3 = testing::http_get(j.host, j.query_port, "/api/v3/traces/" + caller_trace);
    ASSERT_EQ(v3.status, 200) << v3.body.substr(0, 500) << v3.error;
    EXPECT_NE(v3.body.find("\"parentSpanId\":\"" + send->span_id + "\""), std::string::npos)
        << v3.body.substr(0, 3000);
    EXPECT_NE(
        v3.body.find("\"links\":[{\"traceId\":\"" + caller_trace + "\",\"spanId\":\"" + send->span_id + "\""),
        std::string::npos)
        << v3.body.substr(0, 3000);

    // And every body courier sent decodes strictly with the official OTLP classes.
    auto bodies = order_tee->bodies();
    auto more = billing_tee->bodies();
    bodies.insert(bodies.end(), more.begin(), more.end());
    ASSERT_FALSE(bodies.empty());
    auto decoded = testing::strict_decode(bodies);
    ASSERT_EQ(decoded.exit_code, 0) << decoded.errors;
    EXPECT_NE(decoded.output.find(caller_trace), std::string::npos);
}

}  // namespace
}  // namespace courier::tracing
