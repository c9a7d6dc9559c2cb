#include "courier/tracing/otlp_json.hpp"

#include <algorithm>
#include <vector>

#include "json_writer.hpp"

namespace courier::tracing {

namespace {

using detail::JsonWriter;

// Bits 8 and 9 of Span.flags / Link.flags: "has is-remote" and "is remote" (trace.proto's
// SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK / _IS_REMOTE_MASK), so a backend can tell a parent
// that came over Kafka from one in the same process.
constexpr uint32_t kHasIsRemote = 0x100;
constexpr uint32_t kIsRemote = 0x200;

void write_value(JsonWriter& w, const AttributeValue& value) {
    w.raw('{');
    switch (value.index()) {
        case 0:
            w.key("stringValue");
            w.string(std::get<std::string>(value));
            break;
        case 1:
            w.key("intValue");
            w.quoted_integer(std::get<int64_t>(value));
            break;
        case 2:
            w.key("doubleValue");
            w.number(std::get<double>(value));
            break;
        default:
            w.key("boolValue");
            w.boolean(std::get<bool>(value));
            break;
    }
    w.raw('}');
}

void write_attributes(JsonWriter& w, const Attributes& attributes) {
    w.key("attributes");
    w.raw('[');
    bool first = true;
    for (const auto& attribute : attributes) {
        if (!first) w.raw(',');
        first = false;
        w.raw("{\"key\":");
        w.string(attribute.key.view());
        w.raw(",\"value\":");
        write_value(w, attribute.value);
        w.raw('}');
    }
    w.raw(']');
}

void write_span(JsonWriter& w, const SpanData& span) {
    w.raw("{\"traceId\":");
    w.hex(span.context.trace_id.bytes);
    w.raw(",\"spanId\":");
    w.hex(span.context.span_id.bytes);
    if (!span.context.trace_state.empty()) {
        w.raw(",\"traceState\":");
        w.string(span.context.trace_state);
    }
    if (span.parent_span_id.valid()) {
        w.raw(",\"parentSpanId\":");
        w.hex(span.parent_span_id.bytes);
    }
    w.raw(",\"flags\":");
    w.integer(span.context.flags | kHasIsRemote | (span.parent_is_remote ? kIsRemote : 0));
    w.raw(",\"name\":");
    w.string(span.name);
    w.raw(",\"kind\":");
    w.integer(static_cast<uint64_t>(span.kind));
    w.raw(",\"startTimeUnixNano\":");
    w.quoted_integer(span.start_unix_nano);
    w.raw(",\"endTimeUnixNano\":");
    w.quoted_integer(span.end_unix_nano);
    w.raw(',');
    write_attributes(w, span.attributes);
    if (span.dropped_attributes > 0) {
        w.raw(",\"droppedAttributesCount\":");
        w.integer(span.dropped_attributes);
    }
    if (!span.events.empty()) {
        w.raw(",\"events\":[");
        bool first = true;
        for (const auto& event : span.events) {
            if (!first) w.raw(',');
            first = false;
            w.raw("{\"timeUnixNano\":");
            w.quoted_integer(event.time_unix_nano);
            w.raw(",\"name\":");
            w.string(event.name);
            w.raw(',');
            write_attributes(w, event.attributes);
            w.raw('}');
        }
        w.raw(']');
    }
    if (span.dropped_events > 0) {
        w.raw(",\"droppedEventsCount\":");
        w.integer(span.dropped_events);
    }
    if (!span.links.empty()) {
        w.raw(",\"links\":[");
        bool first = true;
        for (const auto& link : span.links) {
            if (!first) w.raw(',');
            first = false;
            w.raw("{\"traceId\":");
            w.hex(link.context.trace_id.bytes);
            w.raw(",\"spanId\":");
            w.hex(link.context.span_id.bytes);
            if (!link.context.trace_state.empty()) {
                w.raw(",\"traceState\":");
                w.string(link.context.trace_state);
            }
            w.raw(',');
            write_attributes(w, link.attributes);
            w.raw(",\"flags\":");
            w.integer(link.context.flags | kHasIsRemote | (link.context.remote ? kIsRemote : 0));
            w.raw('}');
        }
        w.raw(']');
    }
    if (span.dropped_links > 0) {
        w.raw(",\"droppedLinksCount\":");
        w.integer(span.dropped_links);
    }
    w.raw(",\"status\":{");
    if (span.status == StatusCode::error && !span.status_message.empty()) {
        w.raw("\"message\":");
        w.string(span.status_message);
        w.raw(',');
    }
    w.raw("\"code\":");
    w.integer(static_cast<uint64_t>(span.status));
    w.raw("}}");
}

}  // namespace

std::string encode_otlp_json(std::span<const SpanData> spans, const Resource& resource) {
    std::string out;
    encode_otlp_json(spans, resource, out);
    return out;
}

void encode_otlp_json(std::span<const SpanData> spans, const Resource& resource, std::string& out) {
    static const InstrumentationScope kDefaultScope{};
    // Spans grouped by scope, in order of first appearance; a provider has a handful of scopes.
    std::vector<const InstrumentationScope*> scopes;
    for (const auto& span : spans) {
        const auto* scope = span.scope ? span.scope : &kDefaultScope;
        if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
    }

    out.clear();
    out.reserve(512 + spans.size() * 1100);
    JsonWriter w(out);
    w.raw("{\"resourceSpans\":[{\"resource\":{");
    write_attributes(w, resource.attributes);
    w.raw("},\"scopeSpans\":[");
    bool first_scope = true;
    for (const auto* scope : scopes) {
        if (!first_scope) w.raw(',');
        first_scope = false;
        w.raw("{\"scope\":{\"name\":");
        w.string(scope->name);
        if (!scope->version.empty()) {
            w.raw(",\"version\":");
            w.string(scope->version);
        }
        w.raw("},\"spans\":[");
        bool first_span = true;
        for (const auto& span : spans) {
            if ((span.scope ? span.scope : &kDefaultScope) != scope) continue;
            if (!first_span) w.raw(',');
            first_span = false;
            write_span(w, span);
        }
        w.raw("]}");
    }
    w.raw("]}]}");
}

}  // namespace courier::tracing
