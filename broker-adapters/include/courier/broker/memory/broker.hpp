#pragma once
// The shared state of the in-process broker (DESIGN.md §3, memory/): topics of partitioned
// append-only logs, consumer groups with members and committed offsets. For unit tests and
// examples only; integration tests run against real Kafka.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "courier/broker/publisher.hpp"
#include "courier/broker/subscriber.hpp"
#include "courier/core/clock.hpp"
#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::broker::memory {

/// Where a member starts reading a partition for which its group has no committed offset.
enum class OffsetReset {
    earliest,  ///< offset 0 (the memory broker never deletes messages)
    latest,    ///< the end of the log at the moment the partition is assigned
};

struct BrokerOptions {
    /// Partition count of a topic created on first publish or subscribe. 0 (the default) turns
    /// auto-creation off: publishing to a missing topic fails and a subscription to it gets no
    /// partitions until create_topic().
    int32_t auto_create_partitions = 0;
    /// Stamps messages published with timestamp_ms 0. nullptr means the system clock; a clock
    /// given here must outlive the broker.
    const Clock* clock = nullptr;
};

/// Why `name` is not a legal Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters, not "." or
/// ".."), or nothing when it is legal.
std::optional<std::string> topic_name_problem(const std::string& name);

class Subscriber;

/// An in-process broker shared by memory::Publisher and memory::Subscriber through a
/// std::shared_ptr. Thread-safe: one mutex guards all state; one condition variable wakes
/// waiting subscribers on every change (new message, member joined or left, partition released).
class Broker {
public:
    /// Throws ConfigError when options.auto_create_partitions is negative.
    explicit Broker(BrokerOptions options = {});
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    /// Creates `topic` with `partitions` empty partitions and rebalances groups subscribed to it.
    /// A no-op when it already exists with that many partitions. Throws ConfigError when the
    /// name is not a legal Kafka topic name ([a-zA-Z0-9._-], at most 249 characters), when
    /// partitions < 1, or when the topic exists with a different partition count.
    void create_topic(const std::string& topic, int32_t partitions);

    /// Number of partitions of `topic`; 0 when it does not exist.
    int32_t partition_count(const std::string& topic) const;

    /// Appends `message` as a publisher would: partition = message.partition when >= 0, else
    /// Kafka's murmur2 partitioner for a keyed message, else round-robin per topic. Stamps
    /// timestamp_ms (0 → the clock's now). Never blocks beyond the mutex. Errors (all permanent):
    /// memory.unknown_topic (names the topic, hints at create_topic), memory.unknown_partition,
    /// memory.invalid_topic, memory.invalid_timestamp (negative).
    Result<DeliveryReport> append(Message message);

    /// The offset the next message of `partition` will get (its number of messages). Throws
    /// CourierError (permanent) when the topic or partition does not exist.
    int64_t end_offset(const TopicPartition& partition) const;

    /// The group's committed offset (the next offset to read) for `partition`, if any.
    std::optional<int64_t> committed(const std::string& group, const TopicPartition& partition) const;

    /// Every message of `topic`, by partition then offset, with metadata (partition, offset,
    /// timestamp; group ""). Throws CourierError (permanent) when the topic does not exist.
    std::vector<Message> messages(const std::string& topic) const;

private:
    // The group protocol below is used only by memory::Subscriber; each call takes the mutex.
    friend class Subscriber;
    using MemberId = uint64_t;

    struct Log {
        std::vector<Message> messages;
    };
    struct Topic {
        std::vector<Log> partitions;
        uint32_t next_unkeyed = 0;  // round-robin cursor for messages without a key
    };
    struct Member {
        std::set<std::string> topics;     // its subscription
        std::set<TopicPartition> target;  // what the assignor gives it
        std::set<TopicPartition> owned;   // what it holds: claimed and not yet released
    };
    struct Group {
        std::map<TopicPartition, int64_t> committed;
        std::map<MemberId, Member> members;  // ordered by join, which makes assignment deterministic
    };
    /// A partition a member has just claimed, and the offset it starts reading at.
    struct Claim {
        TopicPartition partition;
        int64_t position = 0;
    };

    MemberId join(const std::string& group, const std::set<std::string>& topics);
    void set_subscription(const std::string& group, MemberId member, const std::set<std::string>& topics);
    void leave(const std::string& group, MemberId member);
    /// Owned partitions the assignor has given to someone else (or to no one).
    std::vector<TopicPartition> revocations(const std::string& group, MemberId member) const;
    void release(const std::string& group, MemberId member, const std::vector<TopicPartition>& partitions);
    /// Claims the member's target partitions that no other member still owns.
    std::vector<Claim> claim(const std::string& group, MemberId member, OffsetReset reset);
    /// Copies of up to `max` messages of `partition` from offset `from`.
    std::vector<Message> read(const TopicPartition& partition, int64_t from, std::size_t max) const;
    /// Stores offsets as the group's committed ones, for partitions the member owns.
    void commit(const std::string& group, MemberId member, const std::map<TopicPartition, int64_t>& offsets);
    /// A counter bumped by every change; pair with wait_for_change() to wait without missing one.
    uint64_t version() const;
    void wait_for_change(uint64_t seen, std::chrono::steady_clock::time_point deadline) const;

    Topic* find_topic_locked(const std::string& topic);
    const Topic* find_topic_locked(const std::string& topic) const;
    Topic& create_topic_locked(const std::string& topic, int32_t partitions);
    void auto_create_locked(const std::set<std::string>& topics);
    const Log& log_locked(const TopicPartition& partition) const;
    Result<int32_t> choose_partition_locked(Topic& topic, const Message& message);
    void reassign_locked(Group& group);
    void changed_locked();
    int64_t now_ms() const;

    BrokerOptions options_;
    const Clock* clock_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    uint64_t version_ = 0;
    MemberId next_member_ = 1;
    std::map<std::string, Topic> topics_;
    std::map<std::string, Group> groups_;
};

}  // namespace courier::broker::memory
