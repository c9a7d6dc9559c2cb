#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "courier/tracing/sampler.hpp"
#include "courier/tracing/span.hpp"

namespace courier::tracing {

/// How to start a span.
struct StartOptions {
    SpanKind kind = SpanKind::internal;
    /// nullopt: the thread's active context (current_context()); an invalid context: a new trace.
    std::optional<SpanContext> parent;
    std::vector<SpanLink> links;
    Attributes attributes;
    std::optional<std::chrono::system_clock::time_point> start_time;
};

/// Starts spans for one instrumentation scope. Cheap to copy; thread-safe. A default-constructed
/// Tracer is a no-op: its spans do not record and carry their parent's context unchanged, so
/// context still flows through a service that does not trace.
class Tracer {
public:
    Tracer() = default;
    /// Used by TracerProvider. `processor` null = nothing is recorded (ids are still made).
    Tracer(std::shared_ptr<const Sampler> sampler, std::shared_ptr<SpanProcessor> processor,
           const InstrumentationScope* scope);

    /// Starts a span; never blocks, never throws on bad input (an invalid parent starts a new
    /// trace). The span's trace id is the parent's when the parent is valid.
    Span start_span(std::string_view name, StartOptions options = {}) const;

    /// True when spans of this tracer can record (a provider with an exporter).
    bool enabled() const noexcept { return processor_ != nullptr; }

private:
    std::shared_ptr<const Sampler> sampler_;
    std::shared_ptr<SpanProcessor> processor_;
    const InstrumentationScope* scope_ = nullptr;
    bool noop_ = true;
};

}  // namespace courier::tracing
