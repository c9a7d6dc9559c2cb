#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "courier/tracing/span_exporter.hpp"

namespace courier::tracing {

struct OtlpHttpExporterOptions {
    /// The full traces URL (http only), e.g. http://localhost:4318/v1/traces.
    std::string endpoint = "http://localhost:4318/v1/traces";
    /// Extra request headers (OTEL_EXPORTER_OTLP_HEADERS), e.g. an API key.
    std::vector<std::pair<std::string, std::string>> headers;
    /// Per request: connect, send and receive (OTEL_EXPORTER_OTLP_TIMEOUT).
    std::chrono::milliseconds timeout{10000};
    /// Tries per batch for retryable outcomes (429, 502, 503, 504, connection errors).
    int max_attempts = 5;
    /// Backoff between tries: initial, doubled per retry with ±20% jitter, capped. A server's
    /// Retry-After (seconds) replaces it, capped at max_backoff.
    std::chrono::milliseconds initial_backoff{1000};
    std::chrono::milliseconds max_backoff{30000};
};

/// Counters since construction; a snapshot readable from any thread.
struct OtlpExporterStats {
    uint64_t requests = 0;  ///< HTTP requests sent (tries)
    uint64_t retries = 0;   ///< tries after a retryable failure
    uint64_t batches_ok = 0;
    uint64_t batches_failed = 0;  ///< given up: 400 or other non-retryable status, or tries exhausted
    int last_status = 0;          ///< HTTP status of the last response (0 = none / connection error)
};

/// OTLP over HTTP/1.1 with JSON bodies (`POST <endpoint>`, Content-Type application/json) through
/// Boost.Beast, synchronous on the caller's thread (the batch processor's), keeping the
/// connection alive between batches. Retries 429/502/503/504 and connection errors with backoff;
/// never retries 400 (the body would be refused again). Not thread-safe apart from shutdown()
/// and stats().
class OtlpHttpExporter final : public SpanExporter {
public:
    /// Throws ConfigError for an endpoint that is not http://host[:port][/path].
    explicit OtlpHttpExporter(OtlpHttpExporterOptions options);
    ~OtlpHttpExporter() override;
    OtlpHttpExporter(const OtlpHttpExporter&) = delete;
    OtlpHttpExporter& operator=(const OtlpHttpExporter&) = delete;

    /// Blocks for at most max_attempts × (timeout + backoff), less after shutdown().
    ExportResult export_spans(std::span<const SpanData> spans, const Resource& resource) override;
    void shutdown(std::chrono::steady_clock::time_point deadline) override;

    /// Sends an already encoded body with the same retry rules (for tests and tools).
    ExportResult send(const std::string& body);

    OtlpExporterStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::tracing
