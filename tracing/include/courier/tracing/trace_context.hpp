#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` and `tracestate`
// headers, on Kafka messages (DESIGN.md §2) and on HTTP requests.

#include <optional>
#include <string>
#include <string_view>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"
#include "courier/tracing/span_context.hpp"

namespace courier::tracing {

/// Parses a traceparent value, "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>". Rejects,
/// with a poison Error whose code says why (tracing.traceparent.<length|version|format|trace_id|
/// span_id|flags>): a wrong length, uppercase or non-hex digits, a missing '-', version ff, an
/// all-zero trace or span id, and for version 00 anything after the flags. A higher version is
/// read as far as version 00 defines it, as the spec asks. `tracestate` is attached only when it
/// is valid (see parse_tracestate); the result is marked remote. Pure; thread-safe.
Result<SpanContext> parse_traceparent(std::string_view traceparent, std::string_view tracestate = {});

/// "00-<trace id>-<span id>-<flags>", always 55 characters. Precondition: context.valid().
std::string format_traceparent(const SpanContext& context);

/// The tracestate value when it is well formed (at most 32 list members, keys and values as
/// the spec defines them, no duplicate keys; empty members and surrounding spaces are allowed),
/// otherwise nullopt: the spec says to discard an invalid tracestate, not the traceparent.
std::optional<std::string> parse_tracestate(std::string_view tracestate);

/// Writes `context` into `headers`: exactly one `traceparent` (Headers::set, replacing any
/// earlier value, so a message never carries two) and `tracestate` when the context has one
/// (removed otherwise, so a stale one cannot pair with the new parent). An invalid context
/// removes both.
void inject(const SpanContext& context, Headers& headers);

/// The remote context carried by `headers`, or an Error saying why there is none usable
/// (tracing.traceparent.missing when absent; tracing.traceparent.ambiguous when the message
/// carries several different traceparent values; the parse errors above). Several tracestate
/// headers are joined with ',' as HTTP list headers are.
Result<SpanContext> extract(const Headers& headers);

}  // namespace courier::tracing
