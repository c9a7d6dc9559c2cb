#include "courier/broker/memory/publisher.hpp"

#include "courier/core/errors.hpp"

namespace courier::broker::memory {

Publisher::Publisher(std::shared_ptr<Broker> broker) : broker_(std::move(broker)) {
    if (!broker_) {
        throw ConfigError("memory::Publisher needs a broker", "pass std::make_shared<memory::Broker>()");
    }
}

void Publisher::publish(Message message, DeliveryCallback done) {
    auto report = broker_->append(std::move(message));
    if (done) done(std::move(report));
}

bool Publisher::flush(std::chrono::milliseconds /*timeout*/) { return true; }

std::size_t Publisher::in_flight() const { return 0; }

}  // namespace courier::broker::memory
