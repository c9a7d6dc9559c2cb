#include "courier/producers/producer.hpp"

#include <memory>

#include "courier/core/errors.hpp"

namespace courier::producers {

Producer::Producer(broker::Publisher& publisher, ProducerOptions options)
    : publisher_(publisher), options_(std::move(options)) {}

Result<Message> Producer::prepare(std::string topic, ce::Attributes attributes, std::string payload) const {
    if (attributes.type.empty()) {
        return Error::permanent("producer.missing_type", "a message for " + topic + " needs a ce_type");
    }
    if (attributes.source.empty()) attributes.source = options_.source;
    Message message;
    message.topic = std::move(topic);
    message.payload = std::move(payload);
    ce::stamp(message, std::move(attributes));
    if (options_.validate) {
        if (auto valid = options_.validate(message); !valid) return std::move(valid).error();
    }
    return message;
}

void Producer::send(std::string topic, ce::Attributes attributes, std::string payload, broker::DeliveryCallback done) {
    auto message = prepare(std::move(topic), std::move(attributes), std::move(payload));
    if (!message) {
        done(std::move(message).error());
        return;
    }
    send_prepared(std::move(message).value(), std::move(done));
}

std::future<broker::DeliveryReport> Producer::send(std::string topic, ce::Attributes attributes, std::string payload) {
    auto promise = std::make_shared<std::promise<broker::DeliveryReport>>();
    auto future = promise->get_future();
    send(std::move(topic), std::move(attributes), std::move(payload), [promise](Result<broker::DeliveryReport> r) {
        if (r) {
            promise->set_value(std::move(r).value());
        } else {
            promise->set_exception(std::make_exception_ptr(CourierError(r.error())));
        }
    });
    return future;
}

void Producer::send_prepared(Message message, broker::DeliveryCallback done) {
    if (options_.before_publish) options_.before_publish(message);
    publisher_.publish(std::move(message), std::move(done));
}

}  // namespace courier::producers
