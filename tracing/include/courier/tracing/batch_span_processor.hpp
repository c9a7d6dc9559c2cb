#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "courier/tracing/resource.hpp"
#include "courier/tracing/span_exporter.hpp"
#include "courier/tracing/span_processor.hpp"

namespace courier::tracing {

/// OTEL_BSP_* defaults.
struct BatchOptions {
    std::size_t max_queue_size = 2048;               ///< ended spans waiting; more are dropped (counted)
    std::size_t max_export_batch_size = 512;         ///< spans per export call
    std::chrono::milliseconds schedule_delay{5000};  ///< export at least this often when spans wait
};

/// Counters since start; a snapshot readable from any thread.
struct TracingStats {
    uint64_t ended = 0;          ///< recorded spans handed to the processor
    uint64_t dropped = 0;        ///< lost because the queue was full (or after shutdown)
    uint64_t exported = 0;       ///< in batches the exporter accepted
    uint64_t export_failed = 0;  ///< in batches the exporter gave up on
    uint64_t batches = 0;        ///< export calls
};

/// Queues ended spans in a bounded queue and exports them in batches from its own thread.
/// on_end() never blocks: a full queue drops the span and counts it (tracing must never slow
/// or stall the message path). Exported spans are cleared and kept (up to the queue size) for
/// acquire(), so recording a span reuses their buffers. Thread-safe.
class BatchSpanProcessor final : public SpanProcessor {
public:
    /// Starts the export thread. `exporter` is called only from that thread.
    BatchSpanProcessor(std::shared_ptr<SpanExporter> exporter, Resource resource, BatchOptions options = {});
    /// shutdown() with a 10 s bound.
    ~BatchSpanProcessor() override;
    BatchSpanProcessor(const BatchSpanProcessor&) = delete;
    BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;

    void on_end(SpanData&& span) noexcept override;
    /// A cleared SpanData from the exported ones (their buffers keep their capacity), or a new one.
    SpanData acquire() override;
    /// Blocks until every span ended before the call was exported (or failed), or `timeout`.
    bool force_flush(std::chrono::milliseconds timeout) override;
    /// Exports what is queued (bounded by `timeout`, which also cuts the exporter's retries),
    /// stops the thread and shuts the exporter down. Idempotent.
    void shutdown(std::chrono::milliseconds timeout) override;

    TracingStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::tracing
