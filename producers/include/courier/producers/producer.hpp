#pragma once
// The sending side services use: validate, stamp CloudEvents headers, hook in tracing, publish.

#include <functional>
#include <future>
#include <string>

#include "courier/broker/publisher.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::producers {

struct ProducerOptions {
    /// ce_source of every message this producer sends, e.g. "/store/order".
    std::string source;
    /// Checks a stamped message before it is sent (e.g. the schema catalog by ce_type). An
    /// error refuses the message: nothing is published and the caller gets the error.
    std::function<Result<void>(const Message&)> validate;
    /// Runs on each valid message just before publishing (e.g. start a send span and inject
    /// its traceparent).
    std::function<void(Message&)> before_publish;
};

/// Thread-safe if the Publisher and the hooks are.
class Producer {
public:
    /// `publisher` must outlive the producer.
    Producer(broker::Publisher& publisher, ProducerOptions options);

    /// Builds the message to send: topic, payload, CloudEvents headers from `attributes`
    /// (source defaulted to the producer's, id and time filled in when empty, key = subject),
    /// then validates it. Does not publish; the outbox uses this to store exactly what would be
    /// sent. Errors: the validator's (permanent or poison), or a missing ce_type.
    Result<Message> prepare(std::string topic, ce::Attributes attributes, std::string payload) const;

    /// prepare() then publish. `done` runs exactly once: at once with the refusal when the
    /// message is invalid (nothing published), else with the broker's outcome.
    void send(std::string topic, ce::Attributes attributes, std::string payload, broker::DeliveryCallback done);

    /// send() with a future (get() throws CourierError on refusal or failure).
    std::future<broker::DeliveryReport> send(std::string topic, ce::Attributes attributes, std::string payload);

    /// Sends an already prepared message (e.g. one read back from the outbox): before_publish,
    /// then publish; no stamping, no validation.
    void send_prepared(Message message, broker::DeliveryCallback done);

private:
    broker::Publisher& publisher_;
    ProducerOptions options_;
};

}  // namespace courier::producers
