#include "courier/tracing/messaging.hpp"

#include "courier/core/cloud_events.hpp"
#include "courier/tracing/trace_context.hpp"

namespace courier::tracing::messaging {

namespace {

// "send <topic>" in a per-thread buffer: the tracer copies it into a recycled SpanData, so
// building it allocates nothing.
std::string_view span_name(std::string_view operation, std::string_view topic) {
    thread_local std::string name;
    name.assign(operation).append(" ").append(topic);
    return name;
}

// The attributes every Kafka span carries; the rest depend on the operation.
void common_attributes(Span& span, const Message& message, std::string_view operation,
                       std::string_view type) {
    span.reserve_attributes(12);
    span.set_attribute(AttributeKey::constant(kSystem), std::string_view("kafka"));
    span.set_attribute(AttributeKey::constant(kOperationType), type);
    span.set_attribute(AttributeKey::constant(kOperationName), operation);
    span.set_attribute(AttributeKey::constant(kDestinationName), message.topic);
    if (message.key) span.set_attribute(AttributeKey::constant(kMessageKey), *message.key);
    if (auto id = message.headers.get(ce::kId)) span.set_attribute(AttributeKey::constant(kMessageId), *id);
    if (auto type_header = message.headers.get(ce::kType))
        span.set_attribute(AttributeKey::constant(kCeType), *type_header);
    span.set_attribute(AttributeKey::constant(kBodySize), static_cast<int64_t>(message.payload.size()));
}

Span start_producer(const Tracer& tracer, Message& message, const SpanContext& parent,
                    const SpanContext& link) {
    StartOptions options;
    options.kind = SpanKind::producer;
    options.parent = parent;
    if (link.valid() && !(link.trace_id == parent.trace_id && link.span_id == parent.span_id)) {
        options.links.push_back({link, {}});
    }
    auto span = tracer.start_span(span_name("send", message.topic), std::move(options));
    if (span.is_recording()) {
        common_attributes(span, message, "send", "send");
        if (message.partition >= 0)
            span.set_attribute(AttributeKey::constant(kPartitionId), std::to_string(message.partition));
    }
    inject(span.context(), message.headers);
    return span;
}

}  // namespace

Span start_send_span(const Tracer& tracer, Message& message, SendParent parent) {
    SpanContext carried_context;
    // Most messages being sent carry no context yet: skip building the "missing" error.
    if (message.headers.contains(ce::kTraceParent)) {
        if (auto carried = extract(message.headers)) carried_context = std::move(carried).value();
    }
    if (parent == SendParent::message && carried_context.valid()) {
        // The context came from our own outbox row, not over the wire: a local parent.
        carried_context.remote = false;
        return start_producer(tracer, message, carried_context, {});
    }
    return start_producer(tracer, message, current_context(), carried_context);
}

Span start_outbox_send_span(const Tracer& tracer, Message& message) {
    auto span = start_send_span(tracer, message, SendParent::message);
    span.set_attribute(AttributeKey::constant(kOutboxRelayed), true);
    return span;
}

void end_send_span(Span& span, const Result<broker::DeliveryReport>& outcome) {
    if (span.is_recording()) {
        if (outcome) {
            span.set_attribute(AttributeKey::constant(kPartitionId), std::to_string(outcome->partition));
            span.set_attribute(AttributeKey::constant(kOffset), outcome->offset);
        } else {
            span.set_status(StatusCode::error, outcome.error().message);
            span.set_attribute(AttributeKey::constant(kErrorType), outcome.error().code);
        }
    }
    span.end();
}

bool inject_current_context(Message& message) {
    auto context = current_context();
    if (!context.valid()) return false;
    inject(context, message.headers);
    return true;
}

Span start_process_span(const Tracer& tracer, const Message& message, const ProcessOptions& process) {
    auto producer = extract(message.headers);
    StartOptions options;
    options.kind = SpanKind::consumer;
    if (producer) {
        options.links.push_back({producer.value(), {}});
        options.parent = process.parent_on_producer ? producer.value() : current_context();
    } else {
        // No usable producer context: a new trace, unless this runs inside another span.
        options.parent = process.parent_on_producer ? SpanContext{} : current_context();
    }
    auto span = tracer.start_span(span_name("process", message.topic), std::move(options));
    if (span.is_recording()) {
        common_attributes(span, message, "process", "process");
        const std::string* group = &process.group;
        if (message.metadata) {
            span.set_attribute(AttributeKey::constant(kPartitionId),
                               std::to_string(message.metadata->partition));
            span.set_attribute(AttributeKey::constant(kOffset), message.metadata->offset);
            if (group->empty()) group = &message.metadata->group;
        }
        if (!group->empty()) span.set_attribute(AttributeKey::constant(kConsumerGroup), *group);
        if (!producer && producer.error().code != "tracing.traceparent.missing") {
            Attributes why;
            why.set("exception.message", producer.error().message);
            span.add_event("traceparent rejected", std::move(why));
        }
    }
    return span;
}

void end_process_span(Span& span, const Result<void>& outcome) {
    if (span.is_recording() && !outcome) {
        span.set_status(StatusCode::error, outcome.error().message);
        span.set_attribute(AttributeKey::constant(kErrorType), outcome.error().code);
    }
    span.end();
}

Span start_dead_letter_span(const Tracer& tracer, const Message& original, Message& copy,
                            std::string_view reason) {
    auto producer = extract(original.headers);
    SpanContext link = producer ? std::move(producer).value() : SpanContext{};
    auto active = current_context();
    auto span = start_producer(tracer, copy, active.valid() ? active : link, link);
    if (span.is_recording()) {
        span.set_attribute(AttributeKey::constant(kDeadLetterReason), reason);
        span.set_attribute(AttributeKey::constant(kDeadLetterOriginalTopic), original.topic);
    }
    return span;
}

}  // namespace courier::tracing::messaging
