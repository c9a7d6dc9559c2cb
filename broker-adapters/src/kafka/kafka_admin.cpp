#include "courier/broker/kafka/kafka_admin.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "courier/core/errors.hpp"
#include "errors.hpp"
#include "handles.hpp"

namespace courier::broker::kafka {

namespace {

struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* metadata) const noexcept { rd_kafka_metadata_destroy(metadata); }
};
using MetadataHandle = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
struct NewTopicDeleter {
    void operator()(rd_kafka_NewTopic_t* topic) const noexcept { rd_kafka_NewTopic_destroy(topic); }
};
struct DeleteTopicDeleter {
    void operator()(rd_kafka_DeleteTopic_t* topic) const noexcept { rd_kafka_DeleteTopic_destroy(topic); }
};
struct AdminOptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t* options) const noexcept { rd_kafka_AdminOptions_destroy(options); }
};
using AdminOptionsHandle = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
struct ListOffsetsDeleter {
    void operator()(rd_kafka_ListConsumerGroupOffsets_t* request) const noexcept {
        rd_kafka_ListConsumerGroupOffsets_destroy(request);
    }
};
struct DeleteGroupDeleter {
    void operator()(rd_kafka_DeleteGroup_t* request) const noexcept { rd_kafka_DeleteGroup_destroy(request); }
};
struct AlterOffsetsDeleter {
    void operator()(rd_kafka_AlterConsumerGroupOffsets_t* request) const noexcept {
        rd_kafka_AlterConsumerGroupOffsets_destroy(request);
    }
};

int ms(std::chrono::milliseconds timeout) { return static_cast<int>(timeout.count()); }

// Runs `attempt` again while it fails with a transient error and `timeout` allows: a broker that
// has just started (or moved a group's coordinator) answers group requests with "coordinator load
// in progress" or "not coordinator" for a moment.
template <typename Attempt>
auto retry_transient(std::chrono::milliseconds timeout, Attempt attempt) {
    const auto pause = std::chrono::milliseconds(100);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        try {
            return attempt();
        } catch (const CourierError& e) {
            if (!e.retriable() || std::chrono::steady_clock::now() + pause >= deadline) throw;
        }
        std::this_thread::sleep_for(pause);
    }
}

// Waits for the one result event of an admin request on its private queue.
EventHandle await_result(rd_kafka_t* client, rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                         const std::string& what) {
    EventHandle event(rd_kafka_queue_poll(queue, ms(timeout) + 1000));
    if (!event) throw CourierError(client_error(client, RD_KAFKA_RESP_ERR__TIMED_OUT, what));
    if (auto err = rd_kafka_event_error(event.get())) {
        throw CourierError(client_error(client, err, what, rd_kafka_event_error_string(event.get())));
    }
    return event;
}

// Admin options for `op` with `timeout` as the request timeout (a bounded wait on a dead broker).
AdminOptionsHandle admin_options(rd_kafka_t* client, rd_kafka_admin_op_t op,
                                 std::chrono::milliseconds timeout) {
    AdminOptionsHandle options(rd_kafka_AdminOptions_new(client, op));
    char reason[512];
    rd_kafka_AdminOptions_set_request_timeout(options.get(), ms(timeout), reason, sizeof reason);
    return options;
}

Error error_of(const rd_kafka_error_t* error, const std::string& what) {
    return to_error(rd_kafka_error_code(error), what, rd_kafka_error_string(error));
}

std::vector<TopicPartition> partitions_in(const rd_kafka_topic_partition_list_t* list) {
    std::vector<TopicPartition> out;
    if (!list) return out;
    for (int i = 0; i < list->cnt; ++i) out.push_back({list->elems[i].topic, list->elems[i].partition});
    std::sort(out.begin(), out.end());
    return out;
}

// The one group result of a group request (list/alter offsets, delete); throws
// for a group-level error or the first partition-level one.
const rd_kafka_topic_partition_list_t* group_partitions(const rd_kafka_group_result_t** results,
                                                        std::size_t count, const std::string& what) {
    if (count != 1)
        throw CourierError(ErrorKind::permanent,
                           what + ": the broker sent " + std::to_string(count) + " results");
    if (const auto* error = rd_kafka_group_result_error(results[0]))
        throw CourierError(error_of(error, what));
    const auto* partitions = rd_kafka_group_result_partitions(results[0]);
    for (int i = 0; partitions && i < partitions->cnt; ++i) {
        const auto& p = partitions->elems[i];
        if (p.err) {
            throw CourierError(
                to_error(p.err, what + " on " + p.topic + "[" + std::to_string(p.partition) + "]"));
        }
    }
    return partitions;
}

void check_topic_results(const rd_kafka_topic_result_t** results, std::size_t count, const std::string& what,
                         bool ignore_exists) {
    for (std::size_t i = 0; i < count; ++i) {
        auto err = rd_kafka_topic_result_error(results[i]);
        if (!err || (ignore_exists && err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)) continue;
        const char* reason = rd_kafka_topic_result_error_string(results[i]);
        throw CourierError(to_error(err, what, reason ? reason : ""));
    }
}

}  // namespace

struct KafkaAdmin::Impl {
    Properties properties;
    ClientHandle client;
    std::mutex group_clients_mutex;
    std::map<std::string, std::shared_ptr<rd_kafka_t>> group_clients;

    MetadataHandle metadata(std::chrono::milliseconds timeout, const std::string& what) {
        const rd_kafka_metadata_t* raw = nullptr;
        if (auto err = rd_kafka_metadata(client.get(), 1, nullptr, &raw, ms(timeout))) {
            throw CourierError(client_error(client.get(), err, what));
        }
        return MetadataHandle(raw);
    }

    // A consumer handle with `group` as its group.id that never subscribes, so it never joins the
    // group. Group offset requests go through it, not `client`: librdkafka 2.0.2 answers a
    // NOT_COORDINATOR reply to an offset fetch (a broker just started, a coordinator moving) by
    // posting a coordinator query to the client's consumer group — a null pointer on a producer
    // handle, and a SIGSEGV on its main thread (librdkafka issue #5040).
    // Kept per group, so a caller that asks every few seconds (a service's lag gauge) does not
    // start a client, its threads and its connections each time; shared, so dropping the cache
    // (more than kMaxGroupClients groups) never pulls a handle from under a request in flight.
    std::shared_ptr<rd_kafka_t> group_client(const std::string& group) {
        constexpr std::size_t kMaxGroupClients = 16;
        std::lock_guard lock(group_clients_mutex);
        if (auto it = group_clients.find(group); it != group_clients.end()) return it->second;
        if (group_clients.size() >= kMaxGroupClients) group_clients.clear();
        Properties props = properties;
        props.set("group.id", group);
        props.set("enable.auto.commit", "false");
        std::shared_ptr<rd_kafka_t> handle(make_client(RD_KAFKA_CONSUMER, make_conf(props), props).release(),
                                           ClientDeleter{});
        group_clients.emplace(group, handle);
        return handle;
    }

    const rd_kafka_metadata_topic_t* find(const rd_kafka_metadata_t& md, const std::string& name) {
        for (int i = 0; i < md.topic_cnt; ++i) {
            if (name == md.topics[i].topic) return &md.topics[i];
        }
        return nullptr;
    }
};

KafkaAdmin::KafkaAdmin(Properties properties) : impl_(std::make_unique<Impl>()) {
    impl_->properties = std::move(properties);
    impl_->client = make_client(RD_KAFKA_PRODUCER, make_conf(impl_->properties), impl_->properties);
}

KafkaAdmin::~KafkaAdmin() = default;

void KafkaAdmin::create_topic(const TopicSpec& spec, bool if_not_exists, std::chrono::milliseconds timeout) {
    std::string what = "create topic " + spec.name;
    char reason[512];
    std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> topic(
        rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication_factor, reason, sizeof reason));
    if (!topic) throw ConfigError(what + ": " + reason);
    for (const auto& [key, value] : spec.config.items()) {
        rd_kafka_NewTopic_set_config(topic.get(), key.c_str(), value.c_str());
    }
    std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
        rd_kafka_AdminOptions_new(impl_->client.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms(timeout), reason, sizeof reason);
    QueueHandle queue(rd_kafka_queue_new(impl_->client.get()));
    rd_kafka_NewTopic_t* topics[] = {topic.get()};
    rd_kafka_CreateTopics(impl_->client.get(), topics, 1, options.get(), queue.get());
    auto event = await_result(impl_->client.get(), queue.get(), timeout, what);
    std::size_t count = 0;
    auto results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
    check_topic_results(results, count, what, if_not_exists);
    // The controller has it; wait until this broker's metadata shows every partition with a
    // leader, so a producer started right after does not see "unknown topic".
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto md = impl_->metadata(timeout, what);
        auto* t = impl_->find(*md, spec.name);
        bool ready = t && !t->err && t->partition_cnt > 0 &&
                     std::all_of(t->partitions, t->partitions + t->partition_cnt,
                                 [](const rd_kafka_metadata_partition_t& p) { return p.leader >= 0 && !p.err; });
        if (ready) return;
        if (std::chrono::steady_clock::now() > deadline) {
            throw CourierError(ErrorKind::transient, what + ": created, but not visible in metadata after " +
                                                         std::to_string(timeout.count()) + " ms");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void KafkaAdmin::delete_topic(const std::string& name, std::chrono::milliseconds timeout) {
    std::string what = "delete topic " + name;
    std::unique_ptr<rd_kafka_DeleteTopic_t, DeleteTopicDeleter> topic(rd_kafka_DeleteTopic_new(name.c_str()));
    QueueHandle queue(rd_kafka_queue_new(impl_->client.get()));
    rd_kafka_DeleteTopic_t* topics[] = {topic.get()};
    rd_kafka_DeleteTopics(impl_->client.get(), topics, 1, nullptr, queue.get());
    auto event = await_result(impl_->client.get(), queue.get(), timeout, what);
    std::size_t count = 0;
    auto results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
    check_topic_results(results, count, what, false);
}

TopicDescription KafkaAdmin::describe_topic(const std::string& name, std::chrono::milliseconds timeout) {
    std::string what = "describe topic " + name;
    auto md = impl_->metadata(timeout, what);
    auto* t = impl_->find(*md, name);
    if (!t || t->err) throw CourierError(to_error(t ? t->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, what));
    TopicDescription d{name, {}};
    for (int i = 0; i < t->partition_cnt; ++i) d.partitions.push_back(t->partitions[i].id);
    std::sort(d.partitions.begin(), d.partitions.end());
    return d;
}

std::vector<std::string> KafkaAdmin::list_topics(std::chrono::milliseconds timeout) {
    auto md = impl_->metadata(timeout, "list topics");
    std::vector<std::string> names;
    for (int i = 0; i < md->topic_cnt; ++i) names.emplace_back(md->topics[i].topic);
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<PartitionLag> KafkaAdmin::group_lag(const std::string& group, const std::string& topic,
                                                std::chrono::milliseconds timeout) {
    auto description = describe_topic(topic, timeout);
    // A consumer handle with the group's id reads its committed offsets without joining it.
    auto consumer = impl_->group_client(group);
    auto list = new_partition_list(static_cast<int>(description.partitions.size()));
    for (auto id : description.partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id);
    retry_transient(timeout, [&] {
        if (auto err = rd_kafka_committed(consumer.get(), list.get(), ms(timeout))) {
            throw CourierError(client_error(consumer.get(), err, "read committed offsets of group " + group));
        }
    });
    std::vector<PartitionLag> lags;
    for (int i = 0; i < list->cnt; ++i) {
        PartitionLag lag;
        lag.partition = {topic, list->elems[i].partition};
        lag.committed = list->elems[i].offset >= 0 ? list->elems[i].offset : -1;
        int64_t low = 0, high = 0;
        if (auto err = rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), lag.partition.partition, &low,
                                                        &high, ms(timeout))) {
            throw CourierError(client_error(consumer.get(), err, "query offsets of " + topic));
        }
        lag.end = high;
        // Nothing committed, or committed before what retention kept: the group reads from `low`.
        lag.lag = std::max<int64_t>(0, high - std::max(lag.committed, low));
        lags.push_back(lag);
    }
    return lags;
}

std::vector<GroupListing> KafkaAdmin::list_groups(std::chrono::milliseconds timeout) {
    const std::string what = "list consumer groups";
    auto options = admin_options(impl_->client.get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout);
    QueueHandle queue(rd_kafka_queue_new(impl_->client.get()));
    rd_kafka_ListConsumerGroups(impl_->client.get(), options.get(), queue.get());
    auto event = await_result(impl_->client.get(), queue.get(), timeout, what);
    const auto* result = rd_kafka_event_ListConsumerGroups_result(event.get());
    std::size_t error_count = 0;
    auto errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
    // Errors come per broker: with some brokers answering, the list is partial, which is worse
    // than no list for someone about to reset offsets.
    if (error_count > 0) throw CourierError(error_of(errors[0], what));
    std::size_t count = 0;
    auto valid = rd_kafka_ListConsumerGroups_result_valid(result, &count);
    std::vector<GroupListing> groups;
    for (std::size_t i = 0; i < count; ++i) {
        groups.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                          rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(valid[i])),
                          rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
    }
    std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return groups;
}

GroupDescription KafkaAdmin::describe_group(const std::string& group, std::chrono::milliseconds timeout) {
    const std::string what = "describe consumer group " + group;
    auto options = admin_options(impl_->client.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout);
    QueueHandle queue(rd_kafka_queue_new(impl_->client.get()));
    const char* groups[] = {group.c_str()};
    rd_kafka_DescribeConsumerGroups(impl_->client.get(), groups, 1, options.get(), queue.get());
    auto event = await_result(impl_->client.get(), queue.get(), timeout, what);
    std::size_t count = 0;
    auto results = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
    if (count != 1)
        throw CourierError(ErrorKind::permanent,
                           what + ": the broker sent " + std::to_string(count) + " results");
    const auto* d = results[0];
    GroupDescription description;
    description.id = group;
    if (const auto* error = rd_kafka_ConsumerGroupDescription_error(d)) {
        if (rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
            throw CourierError(error_of(error, what));
        description.state = "Dead";
        return description;
    }
    description.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d));
    if (const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d))
        description.assignor = assignor;
    description.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0;
    if (const auto* node = rd_kafka_ConsumerGroupDescription_coordinator(d))
        description.coordinator = rd_kafka_Node_id(node);
    auto text = [](const char* s) { return s ? std::string(s) : std::string(); };
    for (std::size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(d); ++i) {
        const auto* m = rd_kafka_ConsumerGroupDescription_member(d, i);
        GroupMember member{text(rd_kafka_MemberDescription_consumer_id(m)),
                           text(rd_kafka_MemberDescription_client_id(m)),
                           text(rd_kafka_MemberDescription_host(m)),
                           text(rd_kafka_MemberDescription_group_instance_id(m)),
                           {}};
        if (const auto* assignment = rd_kafka_MemberDescription_assignment(m)) {
            member.assignment = partitions_in(rd_kafka_MemberAssignment_partitions(assignment));
        }
        description.members.push_back(std::move(member));
    }
    return description;
}

std::vector<CommittedOffset> KafkaAdmin::committed_offsets(const std::string& group,
                                                           std::chrono::milliseconds timeout) {
    return retry_transient(timeout, [&] {
        const std::string what = "list committed offsets of group " + group;
        auto client = impl_->group_client(group);
        auto options = admin_options(client.get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout);
        QueueHandle queue(rd_kafka_queue_new(client.get()));
        // No partitions: every partition the group has an offset on.
        std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t, ListOffsetsDeleter> request(
            rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));
        rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
        rd_kafka_ListConsumerGroupOffsets(client.get(), requests, 1, options.get(), queue.get());
        auto event = await_result(client.get(), queue.get(), timeout, what);
        std::size_t count = 0;
        auto results = rd_kafka_ListConsumerGroupOffsets_result_groups(
            rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
        const auto* partitions = group_partitions(results, count, what);
        std::vector<CommittedOffset> offsets;
        for (int i = 0; partitions && i < partitions->cnt; ++i) {
            const auto& p = partitions->elems[i];
            if (p.offset >= 0) offsets.push_back({{p.topic, p.partition}, p.offset});
        }
        std::sort(offsets.begin(), offsets.end(),
                  [](const auto& a, const auto& b) { return a.partition < b.partition; });
        return offsets;
    });
}

void KafkaAdmin::alter_group_offsets(const std::string& group, const std::vector<CommittedOffset>& offsets,
                                     std::chrono::milliseconds timeout) {
    if (offsets.empty()) return;
    retry_transient(timeout, [&] {
        const std::string what = "set committed offsets of group " + group;
        auto client = impl_->group_client(group);
        auto options = admin_options(client.get(), RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout);
        QueueHandle queue(rd_kafka_queue_new(client.get()));
        auto list = new_partition_list(static_cast<int>(offsets.size()));
        for (const auto& o : offsets) {
            rd_kafka_topic_partition_list_add(list.get(), o.partition.topic.c_str(), o.partition.partition)
                ->offset = o.offset;
        }
        std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t, AlterOffsetsDeleter> request(
            rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
        rd_kafka_AlterConsumerGroupOffsets_t* requests[] = {request.get()};
        rd_kafka_AlterConsumerGroupOffsets(client.get(), requests, 1, options.get(), queue.get());
        auto event = await_result(client.get(), queue.get(), timeout, what);
        std::size_t count = 0;
        auto results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
            rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &count);
        group_partitions(results, count, what);
    });
}

void KafkaAdmin::delete_group(const std::string& group, std::chrono::milliseconds timeout) {
    const std::string what = "delete consumer group " + group;
    auto options = admin_options(impl_->client.get(), RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout);
    QueueHandle queue(rd_kafka_queue_new(impl_->client.get()));
    std::unique_ptr<rd_kafka_DeleteGroup_t, DeleteGroupDeleter> request(
        rd_kafka_DeleteGroup_new(group.c_str()));
    rd_kafka_DeleteGroup_t* requests[] = {request.get()};
    rd_kafka_DeleteGroups(impl_->client.get(), requests, 1, options.get(), queue.get());
    auto event = await_result(impl_->client.get(), queue.get(), timeout, what);
    std::size_t count = 0;
    auto results =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &count);
    group_partitions(results, count, what);
}

Watermarks KafkaAdmin::watermarks(const TopicPartition& partition, std::chrono::milliseconds timeout) {
    // Right after a topic is created or a leader moves, brokers answer "not leader" for a moment;
    // that clears up within the timeout, which is what the caller agreed to wait.
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        Watermarks w;
        auto left =
            std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       deadline - std::chrono::steady_clock::now()));
        auto err = rd_kafka_query_watermark_offsets(impl_->client.get(), partition.topic.c_str(),
                                                    partition.partition, &w.low, &w.high, ms(left));
        if (!err) return w;
        if (!is_transient(err) || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
            std::chrono::steady_clock::now() + std::chrono::milliseconds(50) >= deadline) {
            throw CourierError(client_error(impl_->client.get(), err, "query offsets of " + partition.topic + "[" +
                                                 std::to_string(partition.partition) + "]"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::vector<int64_t> KafkaAdmin::offsets_for_time(const std::vector<TopicPartition>& partitions,
                                                  int64_t timestamp_ms, std::chrono::milliseconds timeout) {
    if (partitions.empty()) return {};
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto list = new_partition_list(static_cast<int>(partitions.size()));
        for (const auto& tp : partitions) {
            rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
                timestamp_ms;
        }
        auto left =
            std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       deadline - std::chrono::steady_clock::now()));
        auto err = rd_kafka_offsets_for_times(impl_->client.get(), list.get(), ms(left));
        std::string where = partitions.front().topic;
        if (!err) {
            for (int i = 0; i < list->cnt && !err; ++i) {
                err = list->elems[i].err;
                if (err)
                    where = std::string(list->elems[i].topic) + "[" +
                            std::to_string(list->elems[i].partition) + "]";
            }
        }
        if (!err) {
            std::vector<int64_t> offsets;
            for (const auto& tp : partitions) {
                const auto* found =
                    rd_kafka_topic_partition_list_find(list.get(), tp.topic.c_str(), tp.partition);
                offsets.push_back(found && found->offset >= 0 ? found->offset : -1);
            }
            return offsets;
        }
        // As in watermarks(): a moment of "not leader" after a topic is created.
        if (!is_transient(err) || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
            std::chrono::steady_clock::now() + std::chrono::milliseconds(50) >= deadline) {
            throw CourierError(client_error(impl_->client.get(), err, "look up offsets by time in " + where));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace courier::broker::kafka
