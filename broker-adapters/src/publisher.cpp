#include "courier/broker/publisher.hpp"

#include <memory>

#include "courier/core/errors.hpp"

namespace courier::broker {

std::future<DeliveryReport> Publisher::publish(Message message) {
    auto promise = std::make_shared<std::promise<DeliveryReport>>();
    auto future = promise->get_future();
    publish(std::move(message), [promise](Result<DeliveryReport> result) {
        if (result) {
            promise->set_value(std::move(result).value());
        } else {
            promise->set_exception(std::make_exception_ptr(CourierError(result.error())));
        }
    });
    return future;
}

}  // namespace courier::broker
