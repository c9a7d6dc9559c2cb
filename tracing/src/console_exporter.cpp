#include "courier/tracing/console_exporter.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace courier::tracing {

namespace {

void print_value(std::ostream& out, const AttributeValue& value) {
    switch (value.index()) {
        case 0:
            out << std::get<std::string>(value);
            break;
        case 1:
            out << std::get<int64_t>(value);
            break;
        case 2:
            out << std::get<double>(value);
            break;
        default:
            out << (std::get<bool>(value) ? "true" : "false");
            break;
    }
}

void print_attributes(std::ostream& out, const Attributes& attributes) {
    bool first = true;
    for (const auto& attribute : attributes) {
        out << (first ? "" : "  ") << attribute.key.view() << '=';
        print_value(out, attribute.value);
        first = false;
    }
}

std::string millis(uint64_t from, uint64_t to) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(to - from) / 1e6);
    return text;
}

}  // namespace

ConsoleSpanExporter::ConsoleSpanExporter() : out_(std::cout) {}

ExportResult ConsoleSpanExporter::export_spans(std::span<const SpanData> spans, const Resource& resource) {
    // One string per batch, written at once, so lines from other threads do not interleave.
    std::ostringstream text;
    auto service = resource.service_name();
    for (const auto& span : spans) {
        text << "span \"" << span.name << "\" " << to_string(span.kind) << ' '
             << millis(span.start_unix_nano, span.end_unix_nano) << " status=" << to_string(span.status);
        if (!span.status_message.empty()) text << " (" << span.status_message << ')';
        text << " service=" << service << '\n';
        text << "  trace=" << span.context.trace_id.hex() << " span=" << span.context.span_id.hex()
             << " parent=" << (span.parent_span_id.valid() ? span.parent_span_id.hex() : "-")
             << (span.parent_is_remote ? " (remote)" : "") << '\n';
        if (!span.attributes.empty()) {
            text << "  ";
            print_attributes(text, span.attributes);
            text << '\n';
        }
        for (const auto& link : span.links) {
            text << "  link trace=" << link.context.trace_id.hex() << " span=" << link.context.span_id.hex();
            if (!link.attributes.empty()) {
                text << ' ';
                print_attributes(text, link.attributes);
            }
            text << '\n';
        }
        for (const auto& event : span.events) {
            text << "  event +"
                 << millis(span.start_unix_nano, std::max(event.time_unix_nano, span.start_unix_nano)) << ' '
                 << event.name;
            if (!event.attributes.empty()) {
                text << ' ';
                print_attributes(text, event.attributes);
            }
            text << '\n';
        }
    }
    out_ << text.str() << std::flush;
    return out_ ? ExportResult::success : ExportResult::failure;
}

}  // namespace courier::tracing
