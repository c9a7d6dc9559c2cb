#include "courier/tracing/consumer_hooks.hpp"

#include <vector>

#include "courier/tracing/messaging.hpp"

namespace courier::tracing {

namespace {

// TracingHooks::start returns nothing, so the span waits here between start and finish. Handlers
// of one router thread never overlap, so a per-thread stack is enough; the entry remembers which
// delivery it belongs to.
struct Active {
    const consumers::Context* context;
    Span span;
    Scope scope;
};

void end_stale(std::vector<Active>& spans) {
    // A handler threw past its finish hook: end its span so it is not lost, then drop its scope.
    while (!spans.empty()) {
        auto& stale = spans.back();
        stale.span.set_status(StatusCode::error, "handler threw");
        stale.span.set_attribute(AttributeKey::constant(messaging::kErrorType),
                                 std::string_view("consumer.handler_threw"));
        stale.span.end();
        spans.pop_back();
    }
}

// Ends what a thrower left behind when the router thread exits.
struct ActiveSpans {
    std::vector<Active> items;
    ~ActiveSpans() { end_stale(items); }
};

std::vector<Active>& active_spans() {
    // Touch the thread's context stack first: thread_locals are destroyed in reverse order of
    // construction, so the stack outlives the scopes held here.
    (void)current_context();
    thread_local ActiveSpans spans;
    return spans.items;
}

}  // namespace

consumers::middleware::TracingHooks consumer_tracing_hooks(Tracer tracer, ConsumerTracingOptions options) {
    consumers::middleware::TracingHooks hooks;
    hooks.start = [tracer, options](consumers::Context& context) {
        auto& spans = active_spans();
        end_stale(spans);
        messaging::ProcessOptions process;
        process.group = context.group;
        process.parent_on_producer = options.parent_on_producer;
        auto span = messaging::start_process_span(tracer, context.message, process);
        if (span.is_recording()) {
            span.set_attribute(AttributeKey::constant(messaging::kHandler), context.handler);
            span.set_attribute(AttributeKey::constant(messaging::kAttempt), context.attempt);
        }
        Scope scope(span.context());
        spans.push_back(Active{&context, std::move(span), std::move(scope)});
    };
    hooks.finish = [](consumers::Context& context, const Result<void>& outcome) {
        auto& spans = active_spans();
        if (spans.empty() || spans.back().context != &context) return;
        messaging::end_process_span(spans.back().span, outcome);
        spans.pop_back();
    };
    return hooks;
}

}  // namespace courier::tracing
