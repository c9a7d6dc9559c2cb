#include "courier/tracing/saga_spans.hpp"

namespace courier::tracing {

Span start_saga_span(const Tracer& tracer, std::string_view saga_type, std::string_view saga_id,
                     std::string_view transition, int step, const SpanContext* parent) {
    StartOptions options;
    options.kind = SpanKind::internal;
    if (parent != nullptr) options.parent = *parent;
    std::string name;
    name.reserve(6 + saga_type.size() + transition.size());
    name.append("saga ").append(saga_type).append(" ").append(transition);
    auto span = tracer.start_span(name, std::move(options));
    if (span.is_recording()) {
        span.set_attribute(AttributeKey::constant(kSagaType), saga_type);
        span.set_attribute(AttributeKey::constant(kSagaId), saga_id);
        span.set_attribute(AttributeKey::constant(kSagaTransition), transition);
        if (step >= 0) span.set_attribute(AttributeKey::constant(kSagaStep), step);
    }
    return span;
}

}  // namespace courier::tracing
