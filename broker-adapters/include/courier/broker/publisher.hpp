#pragma once
// The producing half of the broker seam (DESIGN.md §3).

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <string>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::broker {

/// Where the broker stored a published message.
struct DeliveryReport {
    std::string topic;
    int32_t partition = -1;
    int64_t offset = -1;
};

/// Called exactly once per published message with the outcome. It may run on the calling
/// thread (an immediate refusal, e.g. a full queue in fail-fast mode or an oversized message)
/// or on the publisher's delivery thread; it must not block for long.
using DeliveryCallback = std::function<void(Result<DeliveryReport>)>;

/// What publish() does when the in-flight queue is full.
enum class Backpressure {
    block,      ///< wait (up to the publisher's block timeout) for room
    fail_fast,  ///< complete at once with a transient "queue full" error
};

/// Publishes messages asynchronously. Implementations are thread-safe: any thread may publish.
/// Messages with the same key to the same topic are delivered in publish order.
class Publisher {
public:
    virtual ~Publisher() = default;

    /// Hands `message` to the broker client. `done` is called exactly once (see DeliveryCallback).
    /// Errors: transient (queue full, broker unreachable past the delivery timeout),
    /// permanent (unknown topic, message too large, not authorised).
    virtual void publish(Message message, DeliveryCallback done) = 0;

    /// Convenience: publish and return a future of the report (rethrows errors as CourierError
    /// from future::get()).
    std::future<DeliveryReport> publish(Message message);

    /// Blocks until every message published before the call is delivered or failed, or until
    /// `timeout`. Returns false on timeout (messages are still in flight).
    virtual bool flush(std::chrono::milliseconds timeout) = 0;

    /// Messages handed to publish() whose callback has not yet run.
    virtual std::size_t in_flight() const = 0;
};

}  // namespace courier::broker
