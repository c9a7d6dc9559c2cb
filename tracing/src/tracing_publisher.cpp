#include "courier/tracing/tracing_publisher.hpp"

#include <memory>

namespace courier::tracing {

TracingPublisher TracingPublisher::outbox_relay(broker::Publisher& inner, Tracer tracer) {
    Attributes attributes;
    attributes.set(messaging::kOutboxRelayed, true);
    return TracingPublisher(inner, std::move(tracer), messaging::SendParent::message, std::move(attributes));
}

void TracingPublisher::publish(Message message, broker::DeliveryCallback done) {
    auto span = messaging::start_send_span(tracer_, message, parent_);
    for (const auto& attribute : attributes_) span.set_attribute(attribute.key, attribute.value);
    if (!span.is_recording()) {
        // Sampled out: the context is injected, there is nothing to end; skip the extra callback.
        inner_.publish(std::move(message), std::move(done));
        return;
    }
    // DeliveryCallback is a std::function and must be copyable; a Span is move-only.
    auto shared = std::make_shared<Span>(std::move(span));
    inner_.publish(std::move(message),
                   [shared, done = std::move(done)](Result<broker::DeliveryReport> outcome) {
                       messaging::end_send_span(*shared, outcome);
                       if (done) done(std::move(outcome));
                   });
}

}  // namespace courier::tracing
