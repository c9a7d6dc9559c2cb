#pragma once
// Spans for Kafka messages, after the OpenTelemetry messaging conventions: `send <topic>`
// (PRODUCER) whose context travels in the message's traceparent, and `process <topic>` (CONSUMER)
// linked to — and for single messages parented by — the producer's context. Also the helpers the
// outbox relay and dead-lettering need so a trace does not break at those hops.

#include <string>
#include <string_view>

#include "courier/broker/publisher.hpp"
#include "courier/core/message.hpp"
#include "courier/core/result.hpp"
#include "courier/tracing/tracer.hpp"

namespace courier::tracing::messaging {

// Attribute keys (OpenTelemetry messaging semantic conventions, Kafka).
inline constexpr std::string_view kSystem = "messaging.system";
inline constexpr std::string_view kOperationType = "messaging.operation.type";
inline constexpr std::string_view kOperationName = "messaging.operation.name";
inline constexpr std::string_view kDestinationName = "messaging.destination.name";
inline constexpr std::string_view kPartitionId = "messaging.destination.partition.id";
inline constexpr std::string_view kOffset = "messaging.kafka.offset";
inline constexpr std::string_view kMessageKey = "messaging.kafka.message.key";
inline constexpr std::string_view kConsumerGroup = "messaging.consumer.group.name";
inline constexpr std::string_view kMessageId = "messaging.message.id";
inline constexpr std::string_view kBodySize = "messaging.message.body.size";
inline constexpr std::string_view kErrorType = "error.type";
// courier's own.
inline constexpr std::string_view kHandler = "courier.handler";
inline constexpr std::string_view kAttempt = "courier.attempt";
inline constexpr std::string_view kCeType = "courier.ce.type";
inline constexpr std::string_view kDeadLetterReason = "courier.dlq.reason";
inline constexpr std::string_view kDeadLetterOriginalTopic = "courier.dlq.original_topic";
inline constexpr std::string_view kOutboxRelayed = "courier.outbox.relayed";

/// Where a send span's parent comes from.
enum class SendParent {
    /// The thread's active context (a handler's process span, an HTTP server span, a saga step).
    /// A different context already in the message (headers copied from another message) is
    /// replaced, and kept as a link.
    active,
    /// The context already in the message's headers — the outbox relay's case: the row kept the
    /// context of the transaction that wrote it. Falls back to the active context, then to a new
    /// trace.
    message,
};

/// Starts `send <topic>` (PRODUCER) with messaging.system, .operation.type/.name=send,
/// .destination.name, .kafka.message.key, .message.id (ce_id) and, when the message names one,
/// .destination.partition.id; then injects the span's context into the message (exactly one
/// traceparent, Headers::set), also when the span is not recording. End it with end_send_span()
/// when the broker answers. Never blocks; thread-safe per Tracer.
Span start_send_span(const Tracer& tracer, Message& message, SendParent parent = SendParent::active);

/// For the outbox relay: start_send_span(tracer, message, SendParent::message) plus
/// courier.outbox.relayed=true — the relay's send span continues the writer's trace.
Span start_outbox_send_span(const Tracer& tracer, Message& message);

/// Records the broker's answer and ends the span: partition id and offset on success; error
/// status, its message and error.type (the Error's code) on failure.
void end_send_span(Span& span, const Result<broker::DeliveryReport>& outcome);

/// For the outbox writer: puts the thread's active context (the HTTP request, handler or saga
/// step that writes the row) into the message's headers, so the row keeps it. Returns false, and
/// leaves the headers as they were, when no context is active.
bool inject_current_context(Message& message);

struct ProcessOptions {
    std::string group;  ///< consumer group (the message's metadata group when empty)
    /// Parent the span on the producer's context (the default for single messages). False: the
    /// active context (or a new trace) is the parent and the producer is only linked.
    bool parent_on_producer = true;
};

/// Starts `process <topic>` (CONSUMER) for a consumed message: a link to the producer's context
/// found in the headers (a malformed or ambiguous traceparent is ignored: the span starts a new
/// trace, with an event saying why), parent as `options` says, and messaging.system,
/// .operation.type/.name=process, .destination.name, .destination.partition.id (a string),
/// .kafka.offset, .kafka.message.key, .consumer.group.name, .message.id (ce_id). Never blocks.
Span start_process_span(const Tracer& tracer, const Message& message, const ProcessOptions& options = {});

/// Ends a process span with the handler's outcome (error status and error.type on failure).
void end_process_span(Span& span, const Result<void>& outcome);

/// Starts `send <copy.topic>` (PRODUCER) for a dead-letter copy of `original`: parent = the
/// active context (the failed message's process span, when called inside it) or else the
/// original's producer context; a link to the original's producer context; courier.dlq.reason
/// and .original_topic; then injects into `copy` (replacing the original's traceparent, so the
/// copy carries exactly one). End it with end_send_span().
Span start_dead_letter_span(const Tracer& tracer, const Message& original, Message& copy,
                            std::string_view reason);

}  // namespace courier::tracing::messaging
