#include "courier/broker/kafka/kafka_admin.hpp"

#include <algorithm>
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

int ms(std::chrono::milliseconds timeout) { return static_cast<int>(timeout.count()); }

// Waits for the one result event of an admin request on its private queue.
EventHandle await_result(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout, const std::string& what) {
    EventHandle event(rd_kafka_queue_poll(queue, ms(timeout) + 1000));
    if (!event) throw CourierError(to_error(RD_KAFKA_RESP_ERR__TIMED_OUT, what));
    if (auto err = rd_kafka_event_error(event.get())) {
        throw CourierError(to_error(err, what, rd_kafka_event_error_string(event.get())));
    }
    return event;
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

    MetadataHandle metadata(std::chrono::milliseconds timeout, const std::string& what) {
        const rd_kafka_metadata_t* raw = nullptr;
        if (auto err = rd_kafka_metadata(client.get(), 1, nullptr, &raw, ms(timeout))) {
            throw CourierError(to_error(err, what));
        }
        return MetadataHandle(raw);
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
    auto event = await_result(queue.get(), timeout, what);
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
    auto event = await_result(queue.get(), timeout, what);
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
    Properties props = impl_->properties;
    props.set("group.id", group);
    props.set("enable.auto.commit", "false");
    auto consumer = make_client(RD_KAFKA_CONSUMER, make_conf(props), props);
    auto list = new_partition_list(static_cast<int>(description.partitions.size()));
    for (auto id : description.partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id);
    if (auto err = rd_kafka_committed(consumer.get(), list.get(), ms(timeout))) {
        throw CourierError(to_error(err, "read committed offsets of group " + group));
    }
    std::vector<PartitionLag> lags;
    for (int i = 0; i < list->cnt; ++i) {
        PartitionLag lag;
        lag.partition = {topic, list->elems[i].partition};
        lag.committed = list->elems[i].offset >= 0 ? list->elems[i].offset : -1;
        int64_t low = 0, high = 0;
        if (auto err = rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), lag.partition.partition, &low,
                                                        &high, ms(timeout))) {
            throw CourierError(to_error(err, "query offsets of " + topic));
        }
        lag.end = high;
        lag.lag = high - (lag.committed >= 0 ? lag.committed : low);
        lags.push_back(lag);
    }
    rd_kafka_consumer_close(consumer.get());
    return lags;
}

}  // namespace courier::broker::kafka
