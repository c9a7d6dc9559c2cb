#include "courier/tracing/http_spans.hpp"

#include <optional>
#include <string>

#include "courier/tracing/trace_context.hpp"

namespace courier::tracing {

Span start_server_span(const Tracer& tracer, std::string_view method, std::string_view route,
                       std::string_view path, std::string_view traceparent, std::string_view tracestate) {
    StartOptions options;
    options.kind = SpanKind::server;
    std::optional<Error> rejected;
    if (traceparent.empty()) {
        options.parent = SpanContext{};
    } else if (auto caller = parse_traceparent(traceparent, tracestate)) {
        options.parent = std::move(caller).value();
    } else {
        options.parent = SpanContext{};
        rejected = caller.error();
    }
    std::string name;
    name.reserve(method.size() + 1 + route.size());
    name.append(method).append(" ").append(route);
    auto span = tracer.start_span(name, std::move(options));
    if (span.is_recording()) {
        span.set_attribute(AttributeKey::constant("http.request.method"), method);
        span.set_attribute(AttributeKey::constant("http.route"), route);
        span.set_attribute(AttributeKey::constant("url.path"), path);
        if (rejected) {
            Attributes why;
            why.set("exception.message", rejected->message);
            span.add_event("traceparent rejected", std::move(why));
        }
    }
    return span;
}

void end_server_span(Span& span, int status_code) {
    span.set_attribute("http.response.status_code", status_code);
    if (status_code >= 500) {
        span.set_status(StatusCode::error, "HTTP " + std::to_string(status_code));
        span.set_attribute(AttributeKey::constant("error.type"), std::to_string(status_code));
    }
    span.end();
}

}  // namespace courier::tracing
