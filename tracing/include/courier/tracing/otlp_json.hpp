#pragma once
// OTLP/JSON encoding of an ExportTraceServiceRequest (opentelemetry-proto's JSON mapping with the
// OTLP deviations: trace and span ids as lowercase hex, enums as integers, 64-bit integers as
// decimal strings, lowerCamelCase keys).

#include <span>
#include <string>

#include "courier/tracing/resource.hpp"
#include "courier/tracing/span_data.hpp"

namespace courier::tracing {

/// The request body for POST /v1/traces: one resourceSpans entry for `resource`, one scopeSpans
/// entry per instrumentation scope (in order of first appearance). Strings that are not valid
/// UTF-8 (Kafka keys are bytes) have each bad byte replaced by U+FFFD, since JSON cannot carry
/// them. Empty optional fields are left out. Pure; thread-safe.
std::string encode_otlp_json(std::span<const SpanData> spans, const Resource& resource);
/// The same into `out` (cleared first; its capacity is reused, which spares the exporter a large
/// allocation per batch).
void encode_otlp_json(std::span<const SpanData> spans, const Resource& resource, std::string& out);

}  // namespace courier::tracing
