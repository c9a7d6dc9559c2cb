#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/broker/subscriber.hpp"
#include "courier/core/properties.hpp"

namespace courier::broker::kafka {

struct TopicSpec {
    std::string name;
    int partitions = 1;
    int replication_factor = 1;
    Properties config;  ///< topic configs, e.g. retention.ms, cleanup.policy
};

struct TopicDescription {
    std::string name;
    std::vector<int32_t> partitions;
};

/// A group's position on one partition.
struct PartitionLag {
    TopicPartition partition;
    int64_t committed = -1;  ///< -1 when the group has committed nothing there
    int64_t end = -1;        ///< high watermark
    int64_t lag = 0;         ///< end - max(committed, low watermark), at least 0
};

/// One consumer group as ListConsumerGroups sees it.
struct GroupListing {
    std::string id;
    std::string state;    ///< Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown
    bool simple = false;  ///< commits offsets without ever joining (assign-mode consumers)
};

/// A member of a consumer group and the partitions it owns.
struct GroupMember {
    std::string member_id;
    std::string client_id;
    std::string host;
    std::string instance_id;  ///< group.instance.id of a static member; empty otherwise
    std::vector<TopicPartition> assignment;
};

struct GroupDescription {
    std::string id;
    std::string state;  ///< as in GroupListing; "Dead" for a group the broker does not know
    std::string assignor;
    bool simple = false;
    int32_t coordinator = -1;  ///< broker id
    std::vector<GroupMember> members;
};

/// A committed offset: the next offset the group will read on that partition.
struct CommittedOffset {
    TopicPartition partition;
    int64_t offset = -1;
};

/// Topic and group administration. Thread-safe; every call blocks up to its timeout.
/// Errors throw CourierError: transient when the broker does not answer, permanent otherwise
/// (e.g. a missing topic, an invalid partition count), with the broker's reason.
class KafkaAdmin {
public:
    /// `properties` are client properties (bootstrap.servers, sasl.*); throws ConfigError.
    explicit KafkaAdmin(Properties properties);
    ~KafkaAdmin();
    KafkaAdmin(const KafkaAdmin&) = delete;
    KafkaAdmin& operator=(const KafkaAdmin&) = delete;

    /// Creates a topic; an existing topic is fine when `if_not_exists` (its partitions are not
    /// checked). Returns when the broker confirmed the creation and the metadata shows it.
    void create_topic(const TopicSpec& spec, bool if_not_exists = true,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
    void delete_topic(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    TopicDescription describe_topic(const std::string& name,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::vector<std::string> list_topics(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Committed offset, end offset and lag of `group` on every partition of `topic`.
    std::vector<PartitionLag> group_lag(const std::string& group, const std::string& topic,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Every consumer group the cluster knows, sorted by id.
    std::vector<GroupListing> list_groups(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// State, members and their assignments. A group the broker does not know comes back with
    /// state "Dead" and no members (Kafka does not tell unknown from gone).
    GroupDescription describe_group(const std::string& group,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Every partition on which `group` has a committed offset, sorted. Empty for an unknown group.
    std::vector<CommittedOffset> committed_offsets(
        const std::string& group, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Sets the committed offsets of `group` (creating them for a group that has none). Kafka
    /// refuses while the group has active members: that, like any per-partition failure, throws
    /// CourierError naming the partition and the broker's reason; nothing is retried here.
    void alter_group_offsets(const std::string& group, const std::vector<CommittedOffset>& offsets,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Deletes an empty group and its committed offsets (what offsets.retention.minutes does to
    /// an idle group). Throws CourierError, e.g. for a group with active members
    /// (kafka.non_empty_group) or an unknown one (kafka.group_id_not_found).
    void delete_group(const std::string& group, std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// A partition's low and high watermarks.
    Watermarks watermarks(const TopicPartition& partition,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// For each partition, the first offset whose message timestamp is at or after `timestamp_ms`,
    /// or -1 when there is none (the partition ends before that time). Same order as `partitions`.
    std::vector<int64_t> offsets_for_time(const std::vector<TopicPartition>& partitions, int64_t timestamp_ms,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::broker::kafka
