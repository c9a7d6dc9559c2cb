#include "courier/tracing/otlp_http_exporter.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "courier/tracing/tracer_provider.hpp"
#include "http_test_server.hpp"

namespace courier::tracing {
namespace {

using namespace std::chrono_literals;
using testing::HttpTestServer;

std::vector<SpanData> spans(int n) {
    std::vector<SpanData> out(static_cast<std::size_t>(n));
    for (auto& span : out) {
        span.name = "s";
        span.context = {new_trace_id(), new_span_id(), kSampledFlag, {}, false};
    }
    return out;
}

OtlpHttpExporterOptions fast(const HttpTestServer& server) {
    OtlpHttpExporterOptions options;
    options.endpoint = server.url("/v1/traces");
    options.timeout = 2s;
    options.max_attempts = 4;
    options.initial_backoff = 10ms;
    options.max_backoff = 50ms;
    return options;
}

TEST(OtlpHttpExporter, PostsJsonToTheTracesPathWithExtraHeaders) {
    HttpTestServer server;
    auto options = fast(server);
    options.headers.emplace_back("api-key", "secret");
    OtlpHttpExporter exporter(options);
    auto batch = spans(3);
    ASSERT_EQ(exporter.export_spans(batch, Resource::make("svc")), ExportResult::success);
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].target, "/v1/traces");
    EXPECT_EQ(requests[0].headers["content-type"], "application/json");
    EXPECT_EQ(requests[0].headers["api-key"], "secret");
    EXPECT_NE(requests[0].body.find(batch[2].context.span_id.hex()), std::string::npos);
}

TEST(OtlpHttpExporter, RetriesTheRetryableStatusesWithBackoffThenSucceeds) {
    HttpTestServer server;
    server.script({429, 502, 503});
    OtlpHttpExporter exporter(fast(server));
    ASSERT_EQ(exporter.export_spans(spans(1), Resource::make("svc")), ExportResult::success);
    EXPECT_EQ(server.requests().size(), 4u);
    auto stats = exporter.stats();
    EXPECT_EQ(stats.retries, 3u);
    EXPECT_EQ(stats.batches_ok, 1u);
    EXPECT_EQ(stats.last_status, 200);
}

TEST(OtlpHttpExporter, NeverRetriesA400) {
    HttpTestServer server;
    server.script({400});
    OtlpHttpExporter exporter(fast(server));
    EXPECT_EQ(exporter.export_spans(spans(1), Resource::make("svc")), ExportResult::failure);
    EXPECT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(exporter.stats().batches_failed, 1u);
    EXPECT_EQ(exporter.stats().last_status, 400);
}

TEST(OtlpHttpExporter, GivesUpAfterMaxAttemptsOfRetryableFailures) {
    HttpTestServer server;
    server.script({504, 504, 504, 504, 504, 504});
    OtlpHttpExporter exporter(fast(server));
    EXPECT_EQ(exporter.export_spans(spans(1), Resource::make("svc")), ExportResult::failure);
    EXPECT_EQ(server.requests().size(), 4u);
    EXPECT_EQ(exporter.stats().batches_failed, 1u);
}

TEST(OtlpHttpExporter, HonoursRetryAfter) {
    HttpTestServer server;
    server.script({503});
    server.set_retry_after(1);
    auto options = fast(server);
    options.max_backoff = 5s;
    OtlpHttpExporter exporter(options);
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(exporter.export_spans(spans(1), Resource::make("svc")), ExportResult::success);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
}

TEST(OtlpHttpExporter, RetriesWhenNothingListensAndFailsWithinItsAttempts) {
    int port;
    {
        HttpTestServer closed;
        port = closed.port();
    }
    OtlpHttpExporterOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/v1/traces";
    options.timeout = 1s;
    options.max_attempts = 3;
    options.initial_backoff = 10ms;
    OtlpHttpExporter exporter(options);
    EXPECT_EQ(exporter.export_spans(spans(1), Resource::make("svc")), ExportResult::failure);
    EXPECT_EQ(exporter.stats().retries, 2u);
}

TEST(OtlpHttpExporter, KeepsTheConnectionAliveBetweenBatches) {
    HttpTestServer server;
    OtlpHttpExporter exporter(fast(server));
    for (int i = 0; i < 5; ++i)
        ASSERT_EQ(exporter.export_spans(spans(2), Resource::make("svc")), ExportResult::success);
    EXPECT_EQ(server.requests().size(), 5u);
    EXPECT_EQ(exporter.stats().requests, 5u) << "no reconnect retries were needed";
}

TEST(OtlpHttpExporter, ShutdownCutsABackoffShort) {
    HttpTestServer server;
    server.script({503, 503, 503});
    auto options = fast(server);
    options.initial_backoff = 20s;
    options.max_backoff = 20s;
    auto exporter = std::make_shared<OtlpHttpExporter>(options);
    std::thread stopper([&] {
        server.wait_for_requests(1, 5s);
        exporter->shutdown(std::chrono::steady_clock::now() + 100ms);
    });
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(exporter->export_spans(spans(1), Resource::make("svc")), ExportResult::failure);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    stopper.join();
}

TEST(OtlpHttpExporter, AProviderFlushesQueuedSpansToTheCollectorOnShutdown) {
    HttpTestServer server;
    TracerProviderOptions options;
    options.service_name = "flush-test";
    options.otlp = fast(server);
    options.batch.schedule_delay = std::chrono::hours(1);
    {
        TracerProvider provider(options);
        auto tracer = provider.tracer();
        for (int i = 0; i < 7; ++i) tracer.start_span("queued").end();
        EXPECT_TRUE(server.requests().empty()) << "nothing is due before the schedule delay";
    }  // the destructor flushes
    auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    std::size_t count = 0;
    for (auto at = requests[0].body.find("\"name\":\"queued\""); at != std::string::npos;
         at = requests[0].body.find("\"name\":\"queued\"", at + 1)) {
        ++count;
    }
    EXPECT_EQ(count, 7u);
    EXPECT_NE(requests[0].body.find("flush-test"), std::string::npos);
}

TEST(OtlpHttpExporter, ASlowCollectorNeverBlocksTheSpansThatEnd) {
    HttpTestServer server;
    server.set_delay(300ms);
    TracerProviderOptions options;
    options.otlp = fast(server);
    options.batch = {64, 16, 10ms};
    TracerProvider provider(options);
    auto tracer = provider.tracer();
    auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 5000; ++i) tracer.start_span("hot path").end();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    auto stats = provider.stats();
    EXPECT_EQ(stats.ended, 5000u);
    EXPECT_GT(stats.dropped, 0u) << "a full queue drops and counts";
    provider.shutdown(5s);
    stats = provider.stats();
    EXPECT_EQ(stats.exported + stats.dropped + stats.export_failed, 5000u);
}

}  // namespace
}  // namespace courier::tracing
