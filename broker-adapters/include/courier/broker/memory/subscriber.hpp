#pragma once
// The consuming half of the in-process broker: a member of a consumer group.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/subscriber.hpp"

namespace courier::broker::memory {

struct SubscriberOptions {
    std::string group;  ///< consumer group id; required
    OffsetReset auto_offset_reset = OffsetReset::earliest;
};

/// A broker::Subscriber over a memory::Broker. Not thread-safe: one thread owns it (see
/// broker::Subscriber); other members and publishers may run on other threads.
///
/// Rebalancing is cooperative and happens only inside poll() (and close()): when a member joins,
/// leaves or changes its subscription, or a subscribed topic is created, the broker recomputes
/// the group's target assignment at once (range assignor, members in join order). Each member's
/// next poll() then, in order:
///   1. calls the listener with `revoked` for partitions it must give up; they are still owned,
///      so a commit() inside the callback sticks;
///   2. commits what was marked done in them (as the Kafka adapter does; anything not marked is
///      redelivered to the next owner) and releases them;
///   3. claims its target partitions that no other member still owns, starting at the committed
///      offset (or the reset), and calls the listener with `assigned` — they are already in
///      assignment() then, and no message of them has been returned yet.
/// So a new member receives a partition only after its previous owner has polled (or closed).
/// `lost` is never reported. The listener may call commit(), mark_done(), assignment(), pause()
/// and resume().
class Subscriber final : public broker::Subscriber {
public:
    /// Throws ConfigError when `broker` is null or options.group is empty. Joins the group only
    /// on subscribe().
    Subscriber(std::shared_ptr<Broker> broker, SubscriberOptions options);
    /// Closes (commits stored offsets, leaves the group) WITHOUT calling the rebalance listener:
    /// whatever it captured may already be destroyed. Call close() first to get `revoked`.
    ~Subscriber() override;
    Subscriber(const Subscriber&) = delete;
    Subscriber& operator=(const Subscriber&) = delete;

    /// Joins the group (or replaces this member's topics) and triggers a rebalance; partitions
    /// arrive in the next poll(). With BrokerOptions::auto_create_partitions, missing topics are
    /// created; otherwise they contribute no partitions until created. Throws ConfigError for an
    /// empty list or an illegal topic name, CourierError (permanent) after close().
    void subscribe(const std::vector<std::string>& topics) override;

    /// Runs the rebalance steps above, then returns up to `max_messages` from owned, unpaused
    /// partitions (offset order per partition, partitions taken in rotation), with metadata
    /// (partition, offset, timestamp, group). When there are none, waits on the broker's condition
    /// variable until something changes or `timeout` passes. Advances the in-memory position
    /// only, never the committed offset. Errors (permanent): memory.not_subscribed before
    /// subscribe(), memory.closed after close().
    Result<std::vector<Message>> poll(std::size_t max_messages, std::chrono::milliseconds timeout) override;

    /// Stores metadata.offset + 1 for the message's partition, to be committed by commit(), by
    /// the partition's revocation or by close().
    /// Ignored when the partition is not owned (any more) or the message was never consumed.
    void mark_done(const Message& message) override;

    /// Makes the stored offsets the group's committed offsets. Never fails.
    Result<void> commit() override;

    /// Pausing keeps the position; the paused state is dropped when the partition is revoked.
    /// Partitions not owned are ignored.
    void pause(const std::vector<TopicPartition>& partitions) override;
    void resume(const std::vector<TopicPartition>& partitions) override;

    /// Owned partitions, sorted by topic then partition.
    std::vector<TopicPartition> assignment() const override;

    void on_rebalance(RebalanceListener listener) override;

    /// Calls the listener with `revoked` for every owned partition, commits stored offsets and
    /// leaves the group, so the other members take over at their next poll(). Idempotent.
    void close() override;

private:
    struct PartitionState {
        int64_t position = 0;           // next offset to return
        std::optional<int64_t> stored;  // marked done, not yet committed
        bool paused = false;
    };

    void rebalance();
    std::vector<Message> fetch(std::size_t max_messages);
    void commit_stored(const std::vector<TopicPartition>& partitions);
    void notify(RebalanceEvent::Kind kind, std::vector<TopicPartition> partitions);

    std::shared_ptr<Broker> broker_;
    SubscriberOptions options_;
    RebalanceListener listener_;
    std::optional<Broker::MemberId> member_;  // set while in the group
    bool closed_ = false;
    std::map<TopicPartition, PartitionState> partitions_;  // owned partitions
    std::size_t next_fetch_ = 0;  // rotates the first partition read, so a busy one cannot starve the rest
};

}  // namespace courier::broker::memory
