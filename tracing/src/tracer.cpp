#include "courier/tracing/tracer.hpp"

namespace courier::tracing {

Tracer::Tracer(std::shared_ptr<const Sampler> sampler, std::shared_ptr<SpanProcessor> processor,
               const InstrumentationScope* scope)
    : sampler_(std::move(sampler)), processor_(std::move(processor)), scope_(scope), noop_(false) {
    if (!sampler_) sampler_ = parent_based(always_on());
}

Span Tracer::start_span(std::string_view name, StartOptions options) const {
    SpanContext parent = options.parent ? std::move(*options.parent) : current_context();
    if (noop_) return Span(std::move(parent));

    SpanContext context;
    context.trace_id = parent.valid() ? parent.trace_id : new_trace_id();
    context.span_id = new_span_id();
    context.trace_state = parent.valid() ? parent.trace_state : std::string();
    bool sampled = sampler_->should_sample(parent, context.trace_id, name, options.kind);
    context.flags = sampled ? kSampledFlag : 0;
    if (!sampled || !processor_) return Span(std::move(context));

    // A recycled SpanData: assigning into its buffers allocates nothing in the steady state.
    SpanData data = processor_->acquire();
    data.scope = scope_;
    data.name.assign(name);
    data.context = std::move(context);
    if (parent.valid()) {
        data.parent_span_id = parent.span_id;
        data.parent_is_remote = parent.remote;
    }
    data.kind = options.kind;
    data.start_unix_nano = unix_nanos(options.start_time.value_or(std::chrono::system_clock::now()));
    for (auto& attribute : options.attributes) data.attributes.set(attribute.key, std::move(attribute.value));
    for (auto& link : options.links) {
        if (link.context.valid()) data.links.push_back(std::move(link));
    }
    return Span(std::move(data), processor_);
}

}  // namespace courier::tracing
