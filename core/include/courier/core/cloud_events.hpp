#pragma once
// CloudEvents 1.0 Kafka protocol binding, binary content mode (DESIGN.md §2): attributes
// travel as `ce_`-prefixed headers, the payload is the event data.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::ce {

inline constexpr std::string_view kSpecVersion = "ce_specversion";
inline constexpr std::string_view kId = "ce_id";
inline constexpr std::string_view kType = "ce_type";
inline constexpr std::string_view kSource = "ce_source";
inline constexpr std::string_view kTime = "ce_time";
inline constexpr std::string_view kSubject = "ce_subject";
inline constexpr std::string_view kCorrelationId = "ce_correlationid";
inline constexpr std::string_view kCausationId = "ce_causationid";
inline constexpr std::string_view kContentType = "content-type";
inline constexpr std::string_view kTraceParent = "traceparent";
inline constexpr std::string_view kTraceState = "tracestate";

/// The attributes courier reads and writes. Optional ones stay absent when empty.
struct Attributes {
    std::string id;       ///< unique message id; the idempotency key. Generated when empty.
    std::string type;     ///< e.g. store.order.placed.v1
    std::string source;   ///< e.g. /store/order
    std::string time;     ///< RFC 3339; now when empty
    std::string subject;  ///< aggregate id (also the Kafka key)
    std::string correlation_id;
    std::string causation_id;
    std::string content_type = "application/json";
};

/// Writes the attributes as headers (replacing earlier values, so each appears once), filling
/// in a new UUID id and the current time when those are empty, and returns what was written.
/// Sets the key to the subject when the message has no key.
Attributes stamp(Message& message, Attributes attributes);

/// Reads the attributes back. Fails (poison) when ce_specversion is not 1.0 or when ce_id or
/// ce_type is missing: such a message cannot be deduplicated or routed.
Result<Attributes> read(const Message& message);

/// RFC 3339 UTC time with millisecond precision, e.g. 2026-11-21T23:20:42.123Z.
std::string format_time(std::chrono::system_clock::time_point time);

/// Attributes for a message caused by `cause`: same correlation id (or the cause's id when it
/// has none) and causation id = the cause's id.
Attributes caused_by(const Attributes& cause, std::string type, std::string source, std::string subject);

}  // namespace courier::ce
