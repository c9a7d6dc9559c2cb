#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "courier/broker/subscriber.hpp"
#include "courier/core/properties.hpp"

namespace courier::broker::kafka {

struct KafkaSubscriberOptions {
    /// librdkafka consumer properties, passed through (bootstrap.servers, sasl.*, ...).
    /// courier sets enable.auto.commit=false and partition.assignment.strategy=cooperative-sticky
    /// unless overridden here; offsets move only through mark_done() + commit().
    Properties properties;
    /// Consumer group; required for subscribe(). Empty is allowed for assign-only use.
    std::string group;
    /// Where a partition with no committed offset starts: "earliest" or "latest".
    std::string auto_offset_reset = "earliest";
};

/// Where to start reading a partition in assign mode.
struct StartPosition {
    enum class Kind { beginning, end, offset, timestamp, committed };
    Kind kind = Kind::committed;
    int64_t value = 0;  ///< the offset (negative: that many before the end) or the time in ms

    static StartPosition beginning() { return {Kind::beginning, 0}; }
    static StartPosition end() { return {Kind::end, 0}; }
    static StartPosition at_offset(int64_t offset) { return {Kind::offset, offset}; }
    static StartPosition at_time(int64_t timestamp_ms) { return {Kind::timestamp, timestamp_ms}; }
};

/// Low and high watermarks of a partition: the first offset still stored and the next offset
/// to be written.
struct Watermarks {
    int64_t low = -1;
    int64_t high = -1;
};

/// A Kafka consumer-group member (or, with assign(), a plain partition reader).
/// Not thread-safe: one thread owns it; rebalance callbacks run on that thread inside poll().
class KafkaSubscriber final : public Subscriber {
public:
    /// Throws ConfigError for invalid properties or missing brokers. Does not block.
    explicit KafkaSubscriber(KafkaSubscriberOptions options);
    ~KafkaSubscriber() override;
    KafkaSubscriber(const KafkaSubscriber&) = delete;
    KafkaSubscriber& operator=(const KafkaSubscriber&) = delete;

    void subscribe(const std::vector<std::string>& topics) override;
    Result<std::vector<Message>> poll(std::size_t max_messages, std::chrono::milliseconds timeout) override;
    void mark_done(const Message& message) override;
    Result<void> commit() override;
    void pause(const std::vector<TopicPartition>& partitions) override;
    void resume(const std::vector<TopicPartition>& partitions) override;
    std::vector<TopicPartition> assignment() const override;
    void on_rebalance(RebalanceListener listener) override;
    void close() override;

    /// Assign mode: read exactly these partitions from `start` without joining a group.
    /// Timestamps are resolved with the broker's offsets-for-times (the first offset at or after
    /// the time; the end when there is none). Blocks up to `timeout` for metadata.
    /// Throws CourierError (transient when the broker is unreachable; permanent for an unknown
    /// topic or partition).
    void assign(const std::vector<TopicPartition>& partitions, StartPosition start,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// The same with a start of its own for each partition.
    void assign(const std::vector<std::pair<TopicPartition, StartPosition>>& starts,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Partition ids of `topic`. Throws CourierError when the topic does not exist or the
    /// broker does not answer within `timeout`.
    std::vector<int32_t> partitions_of(const std::string& topic, std::chrono::milliseconds timeout);

    /// Partitions whose end was reached (no message after the last one delivered). Needs
    /// enable.partition.eof=true; a partition leaves the set when a new message arrives.
    std::vector<TopicPartition> partitions_at_end() const;

    /// Queries the broker for a partition's watermarks (blocks up to `timeout`).
    Result<Watermarks> watermarks(const TopicPartition& partition, std::chrono::milliseconds timeout);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::broker::kafka
