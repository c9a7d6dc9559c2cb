#include "courier/broker/kafka/kafka_subscriber.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <map>
#include <set>

#include "courier/core/errors.hpp"
#include "courier/core/ids.hpp"
#include "errors.hpp"
#include "handles.hpp"
#include "message_conversion.hpp"

namespace courier::broker::kafka {

namespace {

Properties consumer_properties(const KafkaSubscriberOptions& options) {
    Properties props;
    props.set("enable.auto.commit", "false");
    props.set("enable.auto.offset.store", "false");
    props.set("partition.assignment.strategy", "cooperative-sticky");
    props.set("auto.offset.reset", options.auto_offset_reset);
    // librdkafka's consumer wants a group.id even for assign(); a private one that never joins
    // or commits keeps assign mode free of any shared group.
    props.set("group.id", options.group.empty() ? "courier-assign-" + new_uuid() : options.group);
    props.merge_from(options.properties);
    return props;
}

PartitionList to_list(const std::vector<TopicPartition>& partitions) {
    auto list = new_partition_list(static_cast<int>(partitions.size()));
    for (const auto& tp : partitions) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
    return list;
}

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
    std::vector<TopicPartition> out;
    out.reserve(static_cast<std::size_t>(list->cnt));
    for (int i = 0; i < list->cnt; ++i) out.push_back({list->elems[i].topic, list->elems[i].partition});
    return out;
}

struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* metadata) const noexcept { rd_kafka_metadata_destroy(metadata); }
};
struct TopicDeleter {
    void operator()(rd_kafka_topic_t* topic) const noexcept { rd_kafka_topic_destroy(topic); }
};

}  // namespace

struct KafkaSubscriber::Impl {
    KafkaSubscriberOptions options;
    ClientHandle client;
    RebalanceListener listener;
    std::map<TopicPartition, int64_t> pending;  // next offset to commit, per partition
    std::set<TopicPartition> owned;
    std::set<TopicPartition> paused;
    // A paused partition's messages that were already fetched are dropped in poll(); resume()
    // seeks back to the first of them so nothing is skipped.
    std::map<TopicPartition, int64_t> rewind;
    std::set<TopicPartition> at_end;
    bool closed = false;

    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                             void* opaque) {
        static_cast<Impl*>(opaque)->rebalance(rk, err, partitions);
    }

    static void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
        note_client_error(rk, static_cast<rd_kafka_resp_err_t>(err), reason);
        spdlog::warn("kafka consumer: {} ({})", reason, rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
    }

    void notify(RebalanceEvent::Kind kind, std::vector<TopicPartition> partitions) {
        if (!listener) return;
        try {
            listener(RebalanceEvent{kind, std::move(partitions)});
        } catch (const std::exception& e) {
            spdlog::error("rebalance listener of group {} threw: {}", options.group, e.what());
        }
    }

    void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
        bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
        auto changed = to_vector(partitions);
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            if (cooperative) {
                ErrorHandle error(rd_kafka_incremental_assign(rk, partitions));
                if (error) spdlog::error("incremental assign failed: {}", rd_kafka_error_string(error.get()));
            } else {
                rd_kafka_assign(rk, partitions);
            }
            for (const auto& tp : changed) {
                owned.insert(tp);
                at_end.erase(tp);
                paused.erase(tp);
                rewind.erase(tp);
            }
            notify(RebalanceEvent::Kind::assigned, std::move(changed));
            return;
        }
        bool lost = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk);
        if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
            spdlog::error("rebalance error in group {}: {}", options.group, rd_kafka_err2str(err));
        }
        notify(lost ? RebalanceEvent::Kind::lost : RebalanceEvent::Kind::revoked, changed);
        if (!lost) {
            if (auto committed = commit_partitions(&changed); !committed) {
                spdlog::error("commit on revoke failed in group {}: {}", options.group, committed.error().describe());
            }
        }
        for (const auto& tp : changed) {
            pending.erase(tp);
            owned.erase(tp);
            at_end.erase(tp);
            paused.erase(tp);
            rewind.erase(tp);
        }
        if (cooperative) {
            ErrorHandle error(rd_kafka_incremental_unassign(rk, partitions));
            if (error) spdlog::error("incremental unassign failed: {}", rd_kafka_error_string(error.get()));
        } else {
            rd_kafka_assign(rk, nullptr);
        }
    }

    // Commits pending offsets, all of them or only those of `only`.
    Result<void> commit_partitions(const std::vector<TopicPartition>* only) {
        if (options.group.empty()) {
            if (pending.empty()) return {};
            return Error::permanent("kafka.no_group", "cannot commit offsets: this subscriber has no consumer group");
        }
        auto list = new_partition_list(static_cast<int>(pending.size()));
        for (const auto& [tp, offset] : pending) {
            if (only && std::find(only->begin(), only->end(), tp) == only->end()) continue;
            rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
        }
        if (list->cnt == 0) return {};
        auto err = rd_kafka_commit(client.get(), list.get(), 0);
        if (!err) {
            for (int i = 0; i < list->cnt; ++i) {
                if (list->elems[i].err) {
                    err = list->elems[i].err;
                    break;
                }
            }
        }
        if (err) return to_error(err, "commit offsets of group " + options.group);
        for (int i = 0; i < list->cnt; ++i) {
            auto it = pending.find({list->elems[i].topic, list->elems[i].partition});
            if (it != pending.end() && it->second == list->elems[i].offset) pending.erase(it);
        }
        return {};
    }

    void rewind_partition(const TopicPartition& tp) {
        auto it = rewind.find(tp);
        if (it == rewind.end()) return;
        auto list = new_partition_list(1);
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = it->second;
        ErrorHandle error(rd_kafka_seek_partitions(client.get(), list.get(), 5000));
        if (error || list->elems[0].err) {
            spdlog::error("cannot rewind {}[{}] to {} on resume: {}", tp.topic, tp.partition, it->second,
                          error ? rd_kafka_error_string(error.get()) : rd_kafka_err2str(list->elems[0].err));
        }
        rewind.erase(it);
    }
};

KafkaSubscriber::KafkaSubscriber(KafkaSubscriberOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    auto props = consumer_properties(impl_->options);
    auto conf = make_conf(props);
    rd_kafka_conf_set_opaque(conf.get(), impl_.get());
    rd_kafka_conf_set_rebalance_cb(conf.get(), &Impl::on_rebalance);
    rd_kafka_conf_set_error_cb(conf.get(), &Impl::on_error);
    impl_->client = make_client(RD_KAFKA_CONSUMER, std::move(conf), props);
    rd_kafka_poll_set_consumer(impl_->client.get());
}

KafkaSubscriber::~KafkaSubscriber() {
    // The listener may capture objects that die before this one; an explicit close() still
    // reports the revocation, destruction only commits and leaves.
    impl_->listener = nullptr;
    close();
}

void KafkaSubscriber::subscribe(const std::vector<std::string>& topics) {
    if (impl_->options.group.empty()) {
        throw ConfigError("cannot subscribe without a consumer group", "set a group (-G name), or assign partitions");
    }
    auto list = new_partition_list(static_cast<int>(topics.size()));
    for (const auto& topic : topics) {
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (auto err = rd_kafka_subscribe(impl_->client.get(), list.get())) {
        throw CourierError(to_error(err, "subscribe group " + impl_->options.group));
    }
}

Result<std::vector<Message>> KafkaSubscriber::poll(std::size_t max_messages, std::chrono::milliseconds timeout) {
    std::vector<Message> out;
    out.reserve(std::min<std::size_t>(max_messages, 1024));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < max_messages) {
        int wait_ms = 0;
        if (out.empty()) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
        }
        MessageHandle m(rd_kafka_consumer_poll(impl_->client.get(), wait_ms));
        if (!m) {
            if (wait_ms == 0) break;
            continue;
        }
        if (m->err) {
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                impl_->at_end.insert({rd_kafka_topic_name(m->rkt), m->partition});
                continue;
            }
            std::string where = m->rkt ? std::string(rd_kafka_topic_name(m->rkt)) : std::string("consumer");
            auto error = to_error(m->err, "consume " + where, rd_kafka_message_errstr(m.get()));
            if (!out.empty()) {
                spdlog::warn("{}", error.describe());
                break;
            }
            return error;
        }
        // Partition bookkeeping only when some partition is paused or at its end: building the
        // key copies the topic name, which the common path does not need.
        if (!impl_->paused.empty() || !impl_->at_end.empty()) {
            TopicPartition tp{rd_kafka_topic_name(m->rkt), m->partition};
            impl_->at_end.erase(tp);
            if (impl_->paused.contains(tp)) {
                impl_->rewind.try_emplace(tp, m->offset);
                continue;
            }
        }
        out.push_back(to_message(*m, impl_->options.group));
    }
    return out;
}

void KafkaSubscriber::mark_done(const Message& message) {
    if (!message.metadata) return;
    auto& pending = impl_->pending;
    for (auto& [tp, offset] : pending) {  // few partitions: a scan beats building a key
        if (tp.partition == message.metadata->partition && tp.topic == message.topic) {
            offset = message.metadata->offset + 1;
            return;
        }
    }
    pending.emplace(TopicPartition{message.topic, message.metadata->partition}, message.metadata->offset + 1);
}

Result<void> KafkaSubscriber::commit() { return impl_->commit_partitions(nullptr); }

void KafkaSubscriber::pause(const std::vector<TopicPartition>& partitions) {
    auto list = to_list(partitions);
    rd_kafka_pause_partitions(impl_->client.get(), list.get());
    for (const auto& tp : partitions) impl_->paused.insert(tp);
}

void KafkaSubscriber::resume(const std::vector<TopicPartition>& partitions) {
    for (const auto& tp : partitions) {
        impl_->rewind_partition(tp);
        impl_->paused.erase(tp);
    }
    auto list = to_list(partitions);
    rd_kafka_resume_partitions(impl_->client.get(), list.get());
}

std::vector<TopicPartition> KafkaSubscriber::assignment() const {
    return {impl_->owned.begin(), impl_->owned.end()};
}

std::vector<TopicPartition> KafkaSubscriber::partitions_at_end() const {
    return {impl_->at_end.begin(), impl_->at_end.end()};
}

void KafkaSubscriber::on_rebalance(RebalanceListener listener) { impl_->listener = std::move(listener); }

void KafkaSubscriber::close() {
    if (impl_->closed) return;
    impl_->closed = true;
    if (auto committed = impl_->commit_partitions(nullptr); !committed) {
        spdlog::error("final commit of group {} failed: {}", impl_->options.group, committed.error().describe());
    }
    // Leaves the group now (revoke callbacks run here) instead of after session.timeout.ms.
    if (auto err = rd_kafka_consumer_close(impl_->client.get())) {
        spdlog::warn("closing consumer of group {}: {}", impl_->options.group, rd_kafka_err2str(err));
    }
}

std::vector<int32_t> KafkaSubscriber::partitions_of(const std::string& topic, std::chrono::milliseconds timeout) {
    std::unique_ptr<rd_kafka_topic_t, TopicDeleter> handle(rd_kafka_topic_new(impl_->client.get(), topic.c_str(), nullptr));
    const rd_kafka_metadata_t* raw = nullptr;
    auto err = rd_kafka_metadata(impl_->client.get(), 0, handle.get(), &raw, static_cast<int>(timeout.count()));
    if (err) throw CourierError(to_error(err, "fetch metadata of topic " + topic));
    std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
    if (metadata->topic_cnt != 1 || metadata->topics[0].err) {
        auto topic_err = metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        throw CourierError(to_error(topic_err, "topic " + topic));
    }
    std::vector<int32_t> ids;
    for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) ids.push_back(metadata->topics[0].partitions[i].id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

void KafkaSubscriber::assign(const std::vector<TopicPartition>& partitions, StartPosition start,
                             std::chrono::milliseconds timeout) {
    std::vector<std::pair<TopicPartition, StartPosition>> starts;
    for (const auto& tp : partitions) starts.emplace_back(tp, start);
    assign(starts, timeout);
}

void KafkaSubscriber::assign(const std::vector<std::pair<TopicPartition, StartPosition>>& starts,
                             std::chrono::milliseconds timeout) {
    auto list = new_partition_list(static_cast<int>(starts.size()));
    auto by_time = new_partition_list(static_cast<int>(starts.size()));
    std::map<std::string, std::vector<int32_t>> known;
    for (const auto& [tp, start] : starts) {
        auto [it, fresh] = known.try_emplace(tp.topic);
        if (fresh) it->second = partitions_of(tp.topic, timeout);
        if (std::find(it->second.begin(), it->second.end(), tp.partition) == it->second.end()) {
            throw CourierError(ErrorKind::permanent,
                               "topic " + tp.topic + " has no partition " + std::to_string(tp.partition) + " (it has " +
                                   std::to_string(it->second.size()) + ")");
        }
        auto* elem = rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
        switch (start.kind) {
            case StartPosition::Kind::beginning:
                elem->offset = RD_KAFKA_OFFSET_BEGINNING;
                break;
            case StartPosition::Kind::end:
                elem->offset = RD_KAFKA_OFFSET_END;
                break;
            case StartPosition::Kind::offset:
                elem->offset = start.value >= 0 ? start.value : RD_KAFKA_OFFSET_TAIL(-start.value);
                break;
            case StartPosition::Kind::timestamp:
                rd_kafka_topic_partition_list_add(by_time.get(), tp.topic.c_str(), tp.partition)->offset = start.value;
                break;
            case StartPosition::Kind::committed:
                elem->offset = RD_KAFKA_OFFSET_STORED;
                break;
        }
    }
    if (by_time->cnt > 0) {
        auto err = rd_kafka_offsets_for_times(impl_->client.get(), by_time.get(), static_cast<int>(timeout.count()));
        if (err) throw CourierError(to_error(err, "look up offsets by time"));
        for (int i = 0; i < by_time->cnt; ++i) {
            const auto& found = by_time->elems[i];
            auto* elem = rd_kafka_topic_partition_list_find(list.get(), found.topic, found.partition);
            // No message that late yet: start at the end.
            elem->offset = found.offset >= 0 ? found.offset : RD_KAFKA_OFFSET_END;
        }
    }
    if (auto err = rd_kafka_assign(impl_->client.get(), list.get())) {
        throw CourierError(to_error(err, "assign partitions"));
    }
    impl_->owned.clear();
    for (const auto& [tp, start] : starts) impl_->owned.insert(tp);
}

Result<Watermarks> KafkaSubscriber::watermarks(const TopicPartition& partition, std::chrono::milliseconds timeout) {
    Watermarks w;
    auto err = rd_kafka_query_watermark_offsets(impl_->client.get(), partition.topic.c_str(), partition.partition,
                                                &w.low, &w.high, static_cast<int>(timeout.count()));
    if (err) return to_error(err, "query offsets of " + partition.topic + "[" + std::to_string(partition.partition) + "]");
    return w;
}

}  // namespace courier::broker::kafka
