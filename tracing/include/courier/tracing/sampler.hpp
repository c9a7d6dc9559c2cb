#pragma once
// Head sampling: whether a new span is recorded and exported (OTel's samplers, by the names
// OTEL_TRACES_SAMPLER uses).

#include <memory>
#include <string>
#include <string_view>

#include "courier/tracing/span_context.hpp"
#include "courier/tracing/span_data.hpp"

namespace courier::tracing {

/// Decides, per span at its start, whether to record and sample it. Implementations are
/// immutable and thread-safe; should_sample() must be cheap and never block.
class Sampler {
public:
    virtual ~Sampler() = default;
    /// `parent` is invalid for a root span; `trace_id` is the new span's (the parent's when there
    /// is one). True = record the span and set the sampled flag; false = a non-recording span
    /// whose context still propagates (with the sampled flag clear).
    virtual bool should_sample(const SpanContext& parent, const TraceId& trace_id, std::string_view name,
                               SpanKind kind) const = 0;
    /// e.g. "ParentBased{root=TraceIdRatioBased{0.250000}}", for logs.
    virtual std::string description() const = 0;
};

/// Samples everything.
std::shared_ptr<const Sampler> always_on();
/// Samples nothing (contexts still propagate).
std::shared_ptr<const Sampler> always_off();
/// Samples a deterministic fraction of trace ids (ratio clamped to [0, 1]): the same trace id
/// gets the same decision in every process that uses the same ratio. Uses the low 8 bytes of the
/// trace id, as the OTel SDKs do.
std::shared_ptr<const Sampler> trace_id_ratio(double ratio);
/// Follows the parent's sampled flag when there is a parent; asks `root` for root spans.
std::shared_ptr<const Sampler> parent_based(std::shared_ptr<const Sampler> root);

/// The sampler named as OTEL_TRACES_SAMPLER names them: always_on, always_off, traceidratio,
/// parentbased_always_on, parentbased_always_off, parentbased_traceidratio; `argument` is
/// OTEL_TRACES_SAMPLER_ARG (the ratio; default 1.0). Empty name = parentbased_always_on.
/// Throws ConfigError for an unknown name or a ratio that is not a number in [0, 1].
std::shared_ptr<const Sampler> make_sampler(std::string_view name, std::string_view argument = {});

}  // namespace courier::tracing
