#pragma once
// The producing half of the in-process broker.

#include <memory>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/publisher.hpp"

namespace courier::broker::memory {

/// A broker::Publisher that appends to a memory::Broker synchronously. Thread-safe.
class Publisher final : public broker::Publisher {
public:
    /// Throws ConfigError when `broker` is null.
    explicit Publisher(std::shared_ptr<Broker> broker);

    using broker::Publisher::publish;

    /// Appends at once (see Broker::append for partitioning and errors) and calls `done` on the
    /// calling thread before returning, after the broker's lock is released, so `done` may
    /// publish again. Messages are stored in call order.
    void publish(Message message, DeliveryCallback done) override;

    /// Nothing is ever in flight: returns true at once.
    bool flush(std::chrono::milliseconds timeout) override;

    /// Always 0.
    std::size_t in_flight() const override;

private:
    std::shared_ptr<Broker> broker_;
};

}  // namespace courier::broker::memory
