#pragma once
// The consuming half of the broker seam (DESIGN.md §3).

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::broker {

struct TopicPartition {
    std::string topic;
    int32_t partition = -1;
    auto operator<=>(const TopicPartition&) const = default;
};

/// A change of the partitions this member owns.
struct RebalanceEvent {
    enum class Kind {
        assigned,  ///< partitions were added to this member
        revoked,   ///< partitions are about to be given up: commit what is done now
        lost,      ///< partitions were taken away without a chance to commit (session expiry)
    };
    Kind kind;
    std::vector<TopicPartition> partitions;
};

/// Called on the polling thread, inside poll(), before the change takes effect.
using RebalanceListener = std::function<void(const RebalanceEvent&)>;

/// A member of a consumer group. Not thread-safe: one thread owns a Subscriber and calls
/// every method (callbacks run on that thread, inside poll()). Offsets advance only for
/// messages the caller marks done; commit() makes them durable.
class Subscriber {
public:
    virtual ~Subscriber() = default;

    /// Joins the group and subscribes to `topics` (replacing an earlier subscription).
    virtual void subscribe(const std::vector<std::string>& topics) = 0;

    /// Waits up to `timeout` for messages and returns at most `max_messages` (possibly none).
    /// Messages of one partition come in offset order. Errors: transient (broker down,
    /// rebalance in progress) — the caller just polls again; permanent (topic authorisation,
    /// unknown topic when the caller demanded it exists).
    virtual Result<std::vector<Message>> poll(std::size_t max_messages, std::chrono::milliseconds timeout) = 0;

    /// Marks `message` processed: the partition's next committed offset becomes its offset + 1.
    virtual void mark_done(const Message& message) = 0;

    /// Synchronously commits every offset marked done and not yet committed. A no-op success
    /// when nothing is pending.
    virtual Result<void> commit() = 0;

    /// Stops / restarts delivery from these partitions; position and assignment are kept.
    virtual void pause(const std::vector<TopicPartition>& partitions) = 0;
    virtual void resume(const std::vector<TopicPartition>& partitions) = 0;

    /// Partitions currently owned by this member.
    virtual std::vector<TopicPartition> assignment() const = 0;

    /// Sets the rebalance listener; call before subscribe().
    virtual void on_rebalance(RebalanceListener listener) = 0;

    /// Commits what is marked done and leaves the group, so its partitions move to other
    /// members at once. Idempotent. The destructor calls it too, but without the rebalance
    /// listener (which may capture objects already destroyed).
    virtual void close() = 0;
};

}  // namespace courier::broker
