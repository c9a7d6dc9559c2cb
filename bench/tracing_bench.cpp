// The cost of tracing on the message path, as a ratio against tracing off in the same run:
//  1. produce: KafkaPublisher alone against TracingPublisher over it (a `send <topic>` span per
//     message, traceparent injected, the span ended in the delivery callback, queued for export);
//  2. consume: a Router with a no-op handler against the same Router with the tracing hooks (a
//     `process <topic>` span per message, parented on and linked to the producer's context).
// Tracing on means sampling on (always_on) with the batch processor's OTel defaults (queue 2048,
// batches of 512, 5 s delay) and an exporter that does the real serialisation work: by default
// it encodes every batch to OTLP/JSON and discards it (so a collector's CPU does not share the
// two cores); with --otlp URL it posts to that collector (e.g. scripts/jaeger's). Spans dropped
// because the queue was full are reported: tracing never blocks the message path, it sheds.
// Runs alternate which side goes first; the medians of --runs runs are printed.
//
//   tracing_bench --brokers H:P [--messages 200000] [--runs 5] [--otlp http://127.0.0.1:34318/v1/traces]
//                 [--sample-ratio 0.1] [--propagate-only 1] [--max-in-flight 100000]

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/ids.hpp"
#include "courier/tracing/consumer_hooks.hpp"
#include "courier/tracing/otlp_json.hpp"
#include "courier/tracing/tracer_provider.hpp"
#include "courier/tracing/tracing_publisher.hpp"

namespace {

using Steady = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
namespace kafka = courier::broker::kafka;
namespace tracing = courier::tracing;

struct Settings {
    std::string brokers;
    std::string otlp;    // empty: encode and discard
    double ratio = 1.0;  // 1 = always_on; less = traceidratio (root spans), parents followed
    bool propagate_only = false;         // "on" = contexts made and carried, nothing recorded or exported
    std::size_t max_in_flight = 100000;  // KafkaPublisher's default; lower = a steadier producer
    long messages = 200000;
    int runs = 5;
};

// Encodes each batch to the OTLP/JSON body it would send, then drops it.
class EncodeOnlyExporter final : public tracing::SpanExporter {
public:
    tracing::ExportResult export_spans(std::span<const tracing::SpanData> spans,
                                       const tracing::Resource& resource) override {
        bytes_ += tracing::encode_otlp_json(spans, resource).size();
        return tracing::ExportResult::success;
    }

private:
    std::size_t bytes_ = 0;
};

std::unique_ptr<tracing::TracerProvider> make_provider(const Settings& s, const std::string& service) {
    tracing::TracerProviderOptions options;
    options.service_name = service;
    options.sampler =
        s.ratio >= 1.0 ? tracing::always_on() : tracing::parent_based(tracing::trace_id_ratio(s.ratio));
    if (s.propagate_only) {
        options.exporter = tracing::ExporterKind::none;
        return std::make_unique<tracing::TracerProvider>(options);
    }
    if (!s.otlp.empty()) {
        options.otlp.endpoint = s.otlp;
        return std::make_unique<tracing::TracerProvider>(options);
    }
    return std::make_unique<tracing::TracerProvider>(options, std::make_shared<EncodeOnlyExporter>());
}

courier::Properties kafka_props(const Settings& s) {
    courier::Properties p;
    p.set("bootstrap.servers", s.brokers);
    return p;
}

courier::Message event(const std::string& topic, long i, const std::string& payload) {
    courier::Message m;
    m.topic = topic;
    m.key = "key-" + std::to_string(i % 1000);
    m.payload = payload;
    courier::ce::Attributes a;
    a.type = "bench.event.v1";
    a.source = "/bench";
    courier::ce::stamp(m, a);
    return m;
}

struct Figure {
    double rate = 0;
    double cpu_us = 0;  // this process's CPU (all threads: client, delivery, export) per message
    tracing::TracingStats stats;
};

double process_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Publishes `count` messages and waits for every delivery report; msg/s from first publish.
Figure produce(const Settings& s, const std::string& topic, long count, bool traced) {
    kafka::KafkaPublisherOptions o{kafka_props(s)};
    o.properties.set("linger.ms", "5");
    o.max_in_flight = s.max_in_flight;
    kafka::KafkaPublisher publisher(o);
    std::unique_ptr<tracing::TracerProvider> provider;
    std::unique_ptr<tracing::TracingPublisher> traced_publisher;
    courier::broker::Publisher* target = &publisher;
    if (traced) {
        provider = make_provider(s, "bench-producer");
        traced_publisher = std::make_unique<tracing::TracingPublisher>(publisher, provider->tracer("bench"));
        target = traced_publisher.get();
    }
    std::string payload(200, 'x');
    // Messages are built before the clock starts: the figure is the publish path.
    std::vector<courier::Message> messages;
    messages.reserve(static_cast<std::size_t>(count));
    for (long i = 0; i < count; ++i) messages.push_back(event(topic, i, payload));
    std::atomic<long> failed{0};
    double cpu_start = process_cpu_seconds();
    auto start = Steady::now();
    for (auto& m : messages) {
        target->publish(std::move(m), [&](courier::Result<courier::broker::DeliveryReport> r) {
            if (!r) failed.fetch_add(1, std::memory_order_relaxed);
        });
    }
    publisher.flush(std::chrono::minutes(2));
    double elapsed = Seconds(Steady::now() - start).count();
    if (failed.load() > 0) std::fprintf(stderr, "produce: %ld deliveries failed\n", failed.load());
    Figure figure{static_cast<double>(count) / elapsed, 0, {}};
    if (provider) {
        provider->shutdown(std::chrono::seconds(30));  // the export work counts too
        figure.stats = provider->stats();
    }
    figure.cpu_us = (process_cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(count);
    return figure;
}

// Fills a topic with traced messages (each carries a traceparent, as in production).
std::string fill_topic(const Settings& s, long count) {
    auto topic = "bench-trace-" + courier::new_uuid().substr(0, 8);
    kafka::KafkaAdmin(kafka_props(s)).create_topic({topic, 3, 1, {}});
    kafka::KafkaPublisherOptions o{kafka_props(s)};
    o.properties.set("linger.ms", "5");
    kafka::KafkaPublisher publisher(o);
    tracing::TracerProviderOptions options;
    options.exporter = tracing::ExporterKind::none;  // contexts only, sampled as the producer would
    options.sampler = s.ratio >= 1.0 ? tracing::always_on() : tracing::trace_id_ratio(s.ratio);
    tracing::TracerProvider provider(options);
    tracing::TracingPublisher traced(publisher, provider.tracer("bench"));
    std::string payload(200, 'x');
    for (long i = 0; i < count; ++i) traced.publish(event(topic, i, payload), [](auto) {});
    publisher.flush(std::chrono::minutes(2));
    return topic;
}

Figure consume(const Settings& s, const std::string& topic, long count, bool traced) {
    kafka::KafkaSubscriberOptions so{kafka_props(s), "bench-" + courier::new_uuid().substr(0, 8), "earliest"};
    kafka::KafkaSubscriber subscriber(so);
    kafka::KafkaPublisher dead_letters(kafka::KafkaPublisherOptions{kafka_props(s)});
    courier::consumers::RouterOptions options;
    options.group = so.group;
    options.commit_interval = std::chrono::milliseconds(1000);
    options.commit_every = 100000;
    courier::consumers::Router router(options, subscriber, dead_letters);
    std::unique_ptr<tracing::TracerProvider> provider;
    if (traced) {
        provider = make_provider(s, "bench-consumer");
        router.use(courier::consumers::middleware::tracing_hook(
            tracing::consumer_tracing_hooks(provider->tracer())));
    }
    std::atomic<long> seen{0};
    Steady::time_point start, end;
    router.handle("noop", topic, "*", [&](courier::consumers::Context&) -> courier::Result<void> {
        auto n = seen.fetch_add(1, std::memory_order_relaxed);
        if (n == 0) start = Steady::now();
        if (n + 1 == count) end = Steady::now();
        return {};
    });
    double cpu_start = process_cpu_seconds();
    std::jthread runner([&](std::stop_token stop) { router.run(stop); });
    while (seen.load() < count) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    runner.request_stop();
    runner.join();
    Figure figure{static_cast<double>(count - 1) / Seconds(end - start).count(), 0, {}};
    if (provider) {
        provider->shutdown(std::chrono::seconds(30));  // the export work counts too
        figure.stats = provider->stats();
    }
    figure.cpu_us = (process_cpu_seconds() - cpu_start) * 1e6 / static_cast<double>(count);
    return figure;
}

struct Medians {
    double off = 0, on = 0, cpu_off = 0, cpu_on = 0;
};

// Prints one side's medians, span counts and every run; returns the medians.
Medians report(const char* what, const std::vector<double>& off, const std::vector<double>& on,
               const std::vector<double>& cpu_off, const std::vector<double>& cpu_on,
               const std::vector<tracing::TracingStats>& stats) {
    using courier::bench::median;
    double m_off = median(off), m_on = median(on);
    uint64_t ended = 0, dropped = 0, exported = 0;
    for (const auto& st : stats) {
        ended += st.ended;
        dropped += st.dropped;
        exported += st.exported;
    }
    std::printf(
        "%-8s tracing off %10.0f msg/s   on %10.0f msg/s   ratio %.3f   spans: %lu ended, %lu exported, "
        "%lu dropped (%.1f%%)\n",
        what, m_off, m_on, m_on / m_off, static_cast<unsigned long>(ended),
        static_cast<unsigned long>(exported), static_cast<unsigned long>(dropped),
        ended ? 100.0 * static_cast<double>(dropped) / static_cast<double>(ended) : 0.0);
    std::printf("         CPU of this process per message (median): off %.2f us, on %.2f us (+%.2f us)\n",
                median(cpu_off), median(cpu_on), median(cpu_on) - median(cpu_off));
    std::printf("         runs off:");
    for (double v : off) std::printf(" %.0f", v);
    std::printf("\n         runs on: ");
    for (double v : on) std::printf(" %.0f", v);
    std::printf("\n");
    return {m_off, m_on, median(cpu_off), median(cpu_on)};
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    if (const char* b = std::getenv("COURIER_BROKERS")) s.brokers = b;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--brokers")
            s.brokers = argv[i + 1];
        else if (flag == "--otlp")
            s.otlp = argv[i + 1];
        else if (flag == "--messages")
            s.messages = std::atol(argv[i + 1]);
        else if (flag == "--sample-ratio")
            s.ratio = std::atof(argv[i + 1]);
        else if (flag == "--propagate-only")
            s.propagate_only = std::string(argv[i + 1]) == "1";
        else if (flag == "--max-in-flight")
            s.max_in_flight = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (flag == "--runs")
            s.runs = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown flag %s\n", argv[i]);
            return 2;
        }
    }
    if (s.brokers.empty() || s.messages < 2 || s.runs < 1) {
        std::fprintf(stderr,
                     "usage: %s --brokers H:P [--messages N] [--runs R] [--otlp URL] [--sample-ratio R] "
                     "[--propagate-only 1] [--max-in-flight N]\n",
                     argv[0]);
        return 2;
    }
    try {
        std::string sampling =
            s.ratio >= 1.0 ? "always_on" : "parentbased_traceidratio " + std::to_string(s.ratio);
        std::string exporter = s.propagate_only ? "none (propagation only)"
                               : s.otlp.empty() ? "OTLP/JSON encode-and-discard"
                                                : s.otlp;
        std::printf(
            "tracing_bench: %ld messages of 200 B per run, %d runs, max in flight %zu, sampling %s, exporter "
            "%s\n",
            s.messages, s.runs, s.max_in_flight, sampling.c_str(), exporter.c_str());
        auto produce_topic = "bench-trace-produce-" + courier::new_uuid().substr(0, 8);
        kafka::KafkaAdmin(kafka_props(s)).create_topic({produce_topic, 3, 1, {}});
        std::vector<double> off, on, cpu_off, cpu_on;
        std::vector<tracing::TracingStats> stats;
        for (int run = 0; run < s.runs; ++run) {
            bool traced_first = run % 2 == 1;
            for (bool traced : {traced_first, !traced_first}) {
                auto figure = produce(s, produce_topic, s.messages, traced);
                (traced ? on : off).push_back(figure.rate);
                (traced ? cpu_on : cpu_off).push_back(figure.cpu_us);
                if (traced) stats.push_back(figure.stats);
            }
        }
        const auto produced = report("produce", off, on, cpu_off, cpu_on, stats);

        auto topic = fill_topic(s, s.messages);
        off.clear();
        on.clear();
        cpu_off.clear();
        cpu_on.clear();
        stats.clear();
        for (int run = 0; run < s.runs; ++run) {
            bool traced_first = run % 2 == 1;
            for (bool traced : {traced_first, !traced_first}) {
                auto figure = consume(s, topic, s.messages, traced);
                (traced ? on : off).push_back(figure.rate);
                (traced ? cpu_on : cpu_off).push_back(figure.cpu_us);
                if (traced) stats.push_back(figure.stats);
            }
        }
        const auto consumed = report("consume", off, on, cpu_off, cpu_on, stats);

        using courier::bench::print_result;
        print_result("publish with a send span each (vs tracing off)", "msg/s", produced.on, produced.off,
                     s.runs);
        print_result("publish, CPU per message with tracing (vs tracing off)", "us/msg", produced.cpu_on,
                     produced.cpu_off, s.runs);
        print_result("router with the tracing hooks, a process span each (vs tracing off)", "msg/s",
                     consumed.on, consumed.off, s.runs);
        print_result("consume, CPU per message with tracing (vs tracing off)", "us/msg", consumed.cpu_on,
                     consumed.cpu_off, s.runs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tracing_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
