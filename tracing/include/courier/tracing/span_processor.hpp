#pragma once

#include <chrono>

#include "courier/tracing/span_data.hpp"

namespace courier::tracing {

/// Receives every recorded span when it ends. Implementations are thread-safe: spans end on any
/// thread. on_end() is on the message path: it must never block.
class SpanProcessor {
public:
    virtual ~SpanProcessor() = default;
    virtual void on_end(SpanData&& span) noexcept = 0;
    /// An empty SpanData for a new span, possibly recycled from an exported one so its buffers
    /// are reused (no allocation per span in the steady state). Never blocks for long.
    virtual SpanData acquire() { return {}; }
    /// Exports everything ended before the call; true when done within `timeout`.
    virtual bool force_flush(std::chrono::milliseconds timeout) = 0;
    /// Flushes (bounded by `timeout`) and stops; later spans are dropped. Idempotent.
    virtual void shutdown(std::chrono::milliseconds timeout) = 0;
};

}  // namespace courier::tracing
