#include "courier/broker/memory/broker.hpp"

#include <algorithm>

#include "courier/broker/memory/partitioner.hpp"
#include "courier/core/errors.hpp"

namespace courier::broker::memory {

namespace {

constexpr std::size_t kMaxTopicNameLength = 249;  // Kafka's limit

std::string describe(const TopicPartition& tp) { return tp.topic + "[" + std::to_string(tp.partition) + "]"; }

}  // namespace

std::optional<std::string> topic_name_problem(const std::string& name) {
    if (name.empty()) return "a topic name must not be empty";
    if (name == "." || name == "..") return "'" + name + "' is not a legal topic name";
    if (name.size() > kMaxTopicNameLength) return "topic name longer than 249 characters";
    const bool legal = std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    });
    if (!legal) return "topic '" + name + "' has characters other than [a-zA-Z0-9._-]";
    return std::nullopt;
}

Broker::Broker(BrokerOptions options)
    : options_(options), clock_(options.clock ? options.clock : &SystemClock::instance()) {
    if (options_.auto_create_partitions < 0) {
        throw ConfigError(
            "auto_create_partitions must be >= 0, got " + std::to_string(options_.auto_create_partitions),
            "use 0 to turn auto-creation off");
    }
}

void Broker::create_topic(const std::string& topic, int32_t partitions) {
    if (auto why = topic_name_problem(topic)) throw ConfigError(*why);
    if (partitions < 1) {
        throw ConfigError("topic '" + topic + "' needs at least one partition, got " +
                          std::to_string(partitions));
    }
    std::lock_guard lock(mutex_);
    if (const Topic* existing = find_topic_locked(topic)) {
        const auto count = static_cast<int32_t>(existing->partitions.size());
        if (count == partitions) return;
        throw ConfigError(
            "topic '" + topic + "' already exists with " + std::to_string(count) + " partitions",
            "use a unique topic name per test");
    }
    create_topic_locked(topic, partitions);
}

int32_t Broker::partition_count(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    const Topic* found = find_topic_locked(topic);
    return found ? static_cast<int32_t>(found->partitions.size()) : 0;
}

Result<DeliveryReport> Broker::append(Message message) {
    if (auto why = topic_name_problem(message.topic)) return Error::permanent("memory.invalid_topic", *why);
    if (message.timestamp_ms < 0) {
        return Error::permanent("memory.invalid_timestamp",
                                "timestamp " + std::to_string(message.timestamp_ms) + " of a message to '" +
                                    message.topic + "' is negative (use 0 to let the broker stamp it)");
    }
    std::lock_guard lock(mutex_);
    Topic* topic = find_topic_locked(message.topic);
    if (!topic && options_.auto_create_partitions > 0) {
        topic = &create_topic_locked(message.topic, options_.auto_create_partitions);
    }
    if (!topic) {
        return Error::permanent("memory.unknown_topic",
                                "topic '" + message.topic +
                                    "' does not exist in the in-memory broker (hint: create it first with "
                                    "Broker::create_topic(\"" +
                                    message.topic +
                                    "\", partitions), or set BrokerOptions::auto_create_partitions)");
    }
    auto partition = choose_partition_locked(*topic, message);
    if (!partition) return std::move(partition).error();

    auto& log = topic->partitions[static_cast<std::size_t>(*partition)].messages;
    DeliveryReport report{message.topic, *partition, static_cast<int64_t>(log.size())};
    const int64_t timestamp = message.timestamp_ms == 0 ? now_ms() : message.timestamp_ms;
    message.metadata = MessageMetadata{report.partition, report.offset, timestamp, ""};
    // The produce-side fields are instructions to the partitioner; a stored (and later consumed)
    // message carries its position in metadata only, so republishing it is partitioned afresh.
    message.partition = -1;
    message.timestamp_ms = 0;
    log.push_back(std::move(message));
    changed_locked();
    return report;
}

int64_t Broker::end_offset(const TopicPartition& partition) const {
    std::lock_guard lock(mutex_);
    return static_cast<int64_t>(log_locked(partition).messages.size());
}

std::optional<int64_t> Broker::committed(const std::string& group, const TopicPartition& partition) const {
    std::lock_guard lock(mutex_);
    const auto g = groups_.find(group);
    if (g == groups_.end()) return std::nullopt;
    const auto offset = g->second.committed.find(partition);
    if (offset == g->second.committed.end()) return std::nullopt;
    return offset->second;
}

std::vector<Message> Broker::messages(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    const Topic* found = find_topic_locked(topic);
    if (!found) {
        throw CourierError(ErrorKind::permanent,
                           "topic '" + topic + "' does not exist in the in-memory broker",
                           "create it with Broker::create_topic()");
    }
    std::vector<Message> all;
    for (const Log& log : found->partitions) all.insert(all.end(), log.messages.begin(), log.messages.end());
    return all;
}

// ---- group protocol (memory::Subscriber) ----

Broker::MemberId Broker::join(const std::string& group, const std::set<std::string>& topics) {
    std::lock_guard lock(mutex_);
    auto_create_locked(topics);
    Group& g = groups_[group];
    const MemberId id = next_member_++;
    g.members[id].topics = topics;
    reassign_locked(g);
    return id;
}

void Broker::set_subscription(const std::string& group, MemberId member,
                              const std::set<std::string>& topics) {
    std::lock_guard lock(mutex_);
    auto_create_locked(topics);
    Group& g = groups_.at(group);
    g.members.at(member).topics = topics;
    reassign_locked(g);
}

void Broker::leave(const std::string& group, MemberId member) {
    std::lock_guard lock(mutex_);
    Group& g = groups_.at(group);
    g.members.erase(member);
    reassign_locked(g);
}

std::vector<TopicPartition> Broker::revocations(const std::string& group, MemberId member) const {
    std::lock_guard lock(mutex_);
    const Member& me = groups_.at(group).members.at(member);
    std::vector<TopicPartition> revoked;
    std::set_difference(me.owned.begin(), me.owned.end(), me.target.begin(), me.target.end(),
                        std::back_inserter(revoked));
    return revoked;
}

void Broker::release(const std::string& group, MemberId member,
                     const std::vector<TopicPartition>& partitions) {
    std::lock_guard lock(mutex_);
    Member& me = groups_.at(group).members.at(member);
    for (const auto& tp : partitions) me.owned.erase(tp);
    changed_locked();  // the members the partitions move to may be waiting in poll()
}

std::vector<Broker::Claim> Broker::claim(const std::string& group, MemberId member, OffsetReset reset) {
    std::lock_guard lock(mutex_);
    Group& g = groups_.at(group);
    Member& me = g.members.at(member);
    const auto owned_elsewhere = [&](const TopicPartition& tp) {
        return std::any_of(g.members.begin(), g.members.end(), [&](const auto& other) {
            return other.first != member && other.second.owned.contains(tp);
        });
    };
    std::vector<Claim> claims;
    for (const auto& tp : me.target) {
        // A partition moves only after its previous owner released it (after its revoked callback),
        // so the committed offset read here includes whatever that callback committed.
        if (me.owned.contains(tp) || owned_elsewhere(tp)) continue;
        me.owned.insert(tp);
        const auto committed = g.committed.find(tp);
        int64_t position = 0;
        if (committed != g.committed.end()) {
            position = committed->second;
        } else if (reset == OffsetReset::latest) {
            position = static_cast<int64_t>(log_locked(tp).messages.size());
        }
        claims.push_back({tp, position});
    }
    return claims;
}

std::vector<Message> Broker::read(const TopicPartition& partition, int64_t from, std::size_t max) const {
    std::lock_guard lock(mutex_);
    const auto& log = log_locked(partition).messages;
    const auto begin =
        static_cast<std::size_t>(std::clamp<int64_t>(from, 0, static_cast<int64_t>(log.size())));
    const auto end = begin + std::min(max, log.size() - begin);
    return {log.begin() + static_cast<std::ptrdiff_t>(begin), log.begin() + static_cast<std::ptrdiff_t>(end)};
}

void Broker::commit(const std::string& group, MemberId member,
                    const std::map<TopicPartition, int64_t>& offsets) {
    std::lock_guard lock(mutex_);
    Group& g = groups_.at(group);
    const Member& me = g.members.at(member);
    for (const auto& [tp, offset] : offsets) {
        // Like Kafka's generation fencing: a member commits only what it still owns.
        if (me.owned.contains(tp)) g.committed[tp] = offset;
    }
}

uint64_t Broker::version() const {
    std::lock_guard lock(mutex_);
    return version_;
}

void Broker::wait_for_change(uint64_t seen, std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return version_ != seen; });
}

// ---- helpers; the caller holds mutex_ ----

Broker::Topic* Broker::find_topic_locked(const std::string& topic) {
    const auto found = topics_.find(topic);
    return found == topics_.end() ? nullptr : &found->second;
}

const Broker::Topic* Broker::find_topic_locked(const std::string& topic) const {
    const auto found = topics_.find(topic);
    return found == topics_.end() ? nullptr : &found->second;
}

Broker::Topic& Broker::create_topic_locked(const std::string& topic, int32_t partitions) {
    Topic& created = topics_[topic];
    created.partitions.resize(static_cast<std::size_t>(partitions));
    for (auto& [name, group] : groups_) reassign_locked(group);
    changed_locked();
    return created;
}

void Broker::auto_create_locked(const std::set<std::string>& topics) {
    if (options_.auto_create_partitions <= 0) return;
    for (const auto& topic : topics) {
        if (!find_topic_locked(topic)) create_topic_locked(topic, options_.auto_create_partitions);
    }
}

const Broker::Log& Broker::log_locked(const TopicPartition& partition) const {
    const Topic* topic = find_topic_locked(partition.topic);
    if (!topic || partition.partition < 0 ||
        partition.partition >= static_cast<int32_t>(topic->partitions.size())) {
        throw CourierError(ErrorKind::permanent,
                           describe(partition) + " does not exist in the in-memory broker",
                           "create the topic with enough partitions first");
    }
    return topic->partitions[static_cast<std::size_t>(partition.partition)];
}

Result<int32_t> Broker::choose_partition_locked(Topic& topic, const Message& message) {
    const auto count = static_cast<int32_t>(topic.partitions.size());
    if (message.partition >= count || message.partition < -1) {
        return Error::permanent("memory.unknown_partition", "partition " + std::to_string(message.partition) +
                                                                " of topic '" + message.topic +
                                                                "' does not exist (it has " +
                                                                std::to_string(count) + " partitions)");
    }
    if (message.partition >= 0) return message.partition;
    if (message.key) return partition_for_key(*message.key, count);
    return static_cast<int32_t>(topic.next_unkeyed++ % static_cast<uint32_t>(count));
}

void Broker::reassign_locked(Group& group) {
    // Kafka's range assignor: per topic, members in join order take contiguous ranges, the
    // first (partitions % members) of them one partition more.
    std::map<std::string, std::vector<Member*>> subscribers;
    for (auto& [id, member] : group.members) {
        member.target.clear();
        for (const auto& topic : member.topics) {
            if (find_topic_locked(topic)) subscribers[topic].push_back(&member);
        }
    }
    for (const auto& [topic, members] : subscribers) {
        const auto count = static_cast<std::size_t>(find_topic_locked(topic)->partitions.size());
        int32_t next = 0;
        for (std::size_t i = 0; i < members.size(); ++i) {
            const std::size_t share = count / members.size() + (i < count % members.size() ? 1 : 0);
            for (std::size_t j = 0; j < share; ++j) members[i]->target.insert({topic, next++});
        }
    }
    changed_locked();
}

void Broker::changed_locked() {
    ++version_;
    changed_.notify_all();
}

int64_t Broker::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_->now().time_since_epoch()).count();
}

}  // namespace courier::broker::memory
