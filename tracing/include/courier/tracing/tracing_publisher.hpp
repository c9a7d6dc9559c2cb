#pragma once

#include "courier/broker/publisher.hpp"
#include "courier/tracing/messaging.hpp"
#include "courier/tracing/tracer.hpp"

namespace courier::tracing {

/// A Publisher that traces: each publish() starts a `send <topic>` span (messaging::
/// start_send_span), injects its context into the message, and ends the span when the delivery
/// callback runs, with the partition and offset or the error. Wrap the KafkaPublisher of a
/// producer (SendParent::active), of the outbox relay (SendParent::message: the span continues the
/// row's trace) or of the dead-letter path (SendParent::message: the copy's span hangs under the
/// original producer's). Thread-safe as the wrapped publisher is; adds no blocking.
class TracingPublisher final : public broker::Publisher {
public:
    /// `inner` must outlive this publisher. `attributes` are added to every send span.
    TracingPublisher(broker::Publisher& inner, Tracer tracer,
                     messaging::SendParent parent = messaging::SendParent::active, Attributes attributes = {})
        : inner_(inner), tracer_(std::move(tracer)), parent_(parent), attributes_(std::move(attributes)) {}

    /// For the outbox relay: SendParent::message and courier.outbox.relayed=true, as
    /// messaging::start_outbox_send_span does.
    static TracingPublisher outbox_relay(broker::Publisher& inner, Tracer tracer);

    using Publisher::publish;
    void publish(Message message, broker::DeliveryCallback done) override;
    bool flush(std::chrono::milliseconds timeout) override { return inner_.flush(timeout); }
    std::size_t in_flight() const override { return inner_.in_flight(); }

private:
    broker::Publisher& inner_;
    Tracer tracer_;
    messaging::SendParent parent_;
    Attributes attributes_;
};

}  // namespace courier::tracing
