#pragma once
// SERVER spans for HTTP requests (the services' APIs), continuing a caller's trace.

#include <string_view>

#include "courier/tracing/tracer.hpp"

namespace courier::tracing {

/// Starts `<METHOD> <route>` (SERVER), e.g. "POST /orders", with http.request.method, http.route
/// and url.path. The parent is the caller's context from the request's `traceparent` header value
/// (`tracestate` attached when valid); an empty or malformed traceparent starts a new trace (a
/// malformed one is noted as an event). Make the span current with a Scope while the handler runs,
/// so the outbox rows it writes continue the trace. Never blocks.
Span start_server_span(const Tracer& tracer, std::string_view method, std::string_view route,
                       std::string_view path, std::string_view traceparent, std::string_view tracestate = {});

/// Records http.response.status_code and ends the span; 5xx marks it an error (4xx is the
/// client's error, not the server span's, per the HTTP conventions).
void end_server_span(Span& span, int status_code);

}  // namespace courier::tracing
