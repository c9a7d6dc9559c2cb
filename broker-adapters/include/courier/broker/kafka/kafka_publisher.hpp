#pragma once

#include <chrono>
#include <memory>

#include "courier/broker/publisher.hpp"
#include "courier/core/properties.hpp"

namespace courier::broker::kafka {

struct KafkaPublisherOptions {
    /// librdkafka producer properties, passed through as given (bootstrap.servers, sasl.*,
    /// linger.ms, ...). courier's defaults — enable.idempotence=true, acks=all — apply
    /// unless a property here overrides them.
    Properties properties;
    /// Messages accepted but not yet acknowledged (librdkafka's queue.buffering.max.messages).
    std::size_t max_in_flight = 100000;
    Backpressure backpressure = Backpressure::block;
    /// How long publish() may block for room in Backpressure::block mode before it fails the
    /// message with a transient queue-full error.
    std::chrono::milliseconds block_timeout{30000};
    /// Bounded flush in the destructor; what is still in flight after it is reported failed.
    std::chrono::milliseconds close_timeout{10000};
};

/// An idempotent Kafka producer. Thread-safe. Delivery callbacks run on one background thread
/// owned by the publisher, in per-partition order.
class KafkaPublisher final : public Publisher {
public:
    /// Throws ConfigError for an unknown or invalid property, or when no brokers are configured.
    /// Does not block on the network: an unreachable broker shows up as delivery failures
    /// (transient, after message.timeout.ms).
    explicit KafkaPublisher(KafkaPublisherOptions options);
    ~KafkaPublisher() override;
    KafkaPublisher(const KafkaPublisher&) = delete;
    KafkaPublisher& operator=(const KafkaPublisher&) = delete;

    using Publisher::publish;
    void publish(Message message, DeliveryCallback done) override;
    bool flush(std::chrono::milliseconds timeout) override;
    std::size_t in_flight() const override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::broker::kafka
