#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

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
    int64_t lag = 0;         ///< end - committed (end - low watermark when nothing is committed)
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

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::broker::kafka
