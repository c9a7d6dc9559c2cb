#pragma once
// Process spans for a consumers::Router: `router.use(middleware::tracing_hook(
// tracing::consumer_tracing_hooks(tracer)))`. Lives in its own target, courier::tracing_consumers,
// so courier::tracing stays below courier::consumers (DESIGN.md §1: arrows point down).

#include "courier/consumers/middleware/tracing_hook.hpp"
#include "courier/tracing/tracer.hpp"

namespace courier::tracing {

struct ConsumerTracingOptions {
    /// Parent each process span on the producer's context (default, as the messaging conventions
    /// suggest for single messages); false makes it a root linked to the producer.
    bool parent_on_producer = true;
};

/// Hooks that start `process <topic>` (messaging::start_process_span, with the router's group,
/// courier.handler and courier.attempt) before the handler and end it after, with the handler's
/// error as the span's status. The span is the thread's active context while the handler runs,
/// so messages the handler publishes (TracingPublisher, or inject_current_context for outbox
/// rows) continue its trace. Add the middleware once per router, first (outermost), so retries
/// and dead-letter decisions of inner middleware show in the span. A handler that throws skips
/// `finish`: its span is ended (error "handler threw") when the next message on that thread starts.
consumers::middleware::TracingHooks consumer_tracing_hooks(Tracer tracer,
                                                           ConsumerTracingOptions options = {});

}  // namespace courier::tracing
