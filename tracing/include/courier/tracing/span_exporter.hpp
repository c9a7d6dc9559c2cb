#pragma once
// Where finished spans go: OTLP/HTTP, the console, memory (tests), or nowhere.

#include <chrono>
#include <span>

#include "courier/tracing/resource.hpp"
#include "courier/tracing/span_data.hpp"

namespace courier::tracing {

enum class ExportResult {
    success,
    failure,  ///< the batch is lost (after the exporter's own retries); counted by the caller
};

/// Sends batches of finished spans somewhere. Called by one thread at a time (the batch
/// processor's); export_spans() may block for up to the exporter's own timeout.
class SpanExporter {
public:
    virtual ~SpanExporter() = default;
    /// Exports one batch, retrying as the exporter sees fit, and says whether it arrived.
    /// Each span names its instrumentation scope (SpanData::scope).
    virtual ExportResult export_spans(std::span<const SpanData> spans, const Resource& resource) = 0;
    /// Called once when the processor shuts down, before it exports what is still queued (from
    /// another thread, possibly during an export): every export from now on must return by
    /// `deadline`, cutting retries and their backoff short.
    virtual void shutdown(std::chrono::steady_clock::time_point deadline) { (void)deadline; }
};

}  // namespace courier::tracing
