#include "courier/broker/memory/subscriber.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include "courier/core/errors.hpp"

namespace courier::broker::memory {

namespace {

// Longer waits are clamped so the deadline arithmetic cannot overflow.
constexpr auto kLongestWait = std::chrono::hours(24 * 365);

std::chrono::steady_clock::time_point deadline_after(std::chrono::milliseconds timeout) {
    return std::chrono::steady_clock::now() +
           std::clamp<std::chrono::milliseconds>(timeout, {}, kLongestWait);
}

}  // namespace

Subscriber::Subscriber(std::shared_ptr<Broker> broker, SubscriberOptions options)
    : broker_(std::move(broker)), options_(std::move(options)) {
    if (!broker_) {
        throw ConfigError("memory::Subscriber needs a broker", "pass std::make_shared<memory::Broker>()");
    }
    if (options_.group.empty()) {
        throw ConfigError("memory::Subscriber needs a consumer group", "set options.group");
    }
}

Subscriber::~Subscriber() {
    // What the listener captured may already be gone (locals declared after this subscriber are
    // destroyed before it), so a destroyed member leaves quietly.
    listener_ = nullptr;
    close();
}

void Subscriber::subscribe(const std::vector<std::string>& topics) {
    if (closed_) {
        throw CourierError(ErrorKind::permanent,
                           "subscribe() on a closed subscriber of group '" + options_.group + "'",
                           "create a new Subscriber");
    }
    if (topics.empty()) throw ConfigError("subscribe() needs at least one topic");
    for (const auto& topic : topics) {
        if (auto problem = topic_name_problem(topic)) throw ConfigError("subscribe(): " + *problem);
    }
    const std::set<std::string> unique(topics.begin(), topics.end());
    if (member_) {
        broker_->set_subscription(options_.group, *member_, unique);
    } else {
        member_ = broker_->join(options_.group, unique);
    }
}

Result<std::vector<Message>> Subscriber::poll(std::size_t max_messages, std::chrono::milliseconds timeout) {
    if (closed_) {
        return Error::permanent("memory.closed",
                                "poll() on a closed subscriber of group '" + options_.group + "'");
    }
    if (!member_) {
        return Error::permanent("memory.not_subscribed", "poll() before subscribe() in group '" +
                                                             options_.group +
                                                             "' (hint: call subscribe(topics) first)");
    }
    const auto deadline = deadline_after(timeout);
    for (;;) {
        // Read the version before looking, so a change that lands while we look still wakes us.
        const auto seen = broker_->version();
        rebalance();
        if (!member_) return std::vector<Message>{};  // the listener closed us
        auto batch = fetch(max_messages);
        if (!batch.empty() || max_messages == 0 || std::chrono::steady_clock::now() >= deadline) return batch;
        broker_->wait_for_change(seen, deadline);
    }
}

void Subscriber::mark_done(const Message& message) {
    if (!message.metadata) return;
    const auto found = partitions_.find({message.topic, message.metadata->partition});
    if (found != partitions_.end()) found->second.stored = message.metadata->offset + 1;
}

Result<void> Subscriber::commit() {
    commit_stored(assignment());
    return {};
}

void Subscriber::pause(const std::vector<TopicPartition>& partitions) {
    for (const auto& tp : partitions) {
        if (auto found = partitions_.find(tp); found != partitions_.end()) found->second.paused = true;
    }
}

void Subscriber::resume(const std::vector<TopicPartition>& partitions) {
    for (const auto& tp : partitions) {
        if (auto found = partitions_.find(tp); found != partitions_.end()) found->second.paused = false;
    }
}

std::vector<TopicPartition> Subscriber::assignment() const {
    std::vector<TopicPartition> owned;
    owned.reserve(partitions_.size());
    for (const auto& [tp, state] : partitions_) owned.push_back(tp);
    return owned;
}

void Subscriber::on_rebalance(RebalanceListener listener) { listener_ = std::move(listener); }

void Subscriber::close() {
    if (closed_) return;
    closed_ = true;
    if (!member_) return;
    if (!partitions_.empty()) notify(RebalanceEvent::Kind::revoked, assignment());
    (void)commit();
    broker_->leave(options_.group, *member_);
    member_.reset();
    partitions_.clear();
}

void Subscriber::rebalance() {
    auto revoked = broker_->revocations(options_.group, *member_);
    if (!revoked.empty()) {
        // Still owned during the callback: a commit() there is accepted by the broker.
        notify(RebalanceEvent::Kind::revoked, revoked);
        if (!member_) return;
        // What was marked done is committed on the way out, as the Kafka adapter does.
        commit_stored(revoked);
        broker_->release(options_.group, *member_, revoked);
        for (const auto& tp : revoked) partitions_.erase(tp);
    }
    auto claims = broker_->claim(options_.group, *member_, options_.auto_offset_reset);
    if (claims.empty()) return;
    std::vector<TopicPartition> assigned;
    assigned.reserve(claims.size());
    for (auto& claim : claims) {
        partitions_[claim.partition] = PartitionState{claim.position, std::nullopt, false};
        assigned.push_back(std::move(claim.partition));
    }
    notify(RebalanceEvent::Kind::assigned, std::move(assigned));
}

std::vector<Message> Subscriber::fetch(std::size_t max_messages) {
    std::vector<Message> batch;
    if (partitions_.empty() || max_messages == 0) return batch;
    const std::size_t count = partitions_.size();
    auto it = std::next(partitions_.begin(), static_cast<std::ptrdiff_t>(next_fetch_++ % count));
    for (std::size_t i = 0; i < count && batch.size() < max_messages; ++i) {
        auto& [tp, state] = *it;
        if (!state.paused) {
            auto messages = broker_->read(tp, state.position, max_messages - batch.size());
            if (!messages.empty()) state.position = messages.back().metadata->offset + 1;
            for (auto& message : messages) {
                message.metadata->group = options_.group;
                batch.push_back(std::move(message));
            }
        }
        if (++it == partitions_.end()) it = partitions_.begin();
    }
    return batch;
}

void Subscriber::commit_stored(const std::vector<TopicPartition>& partitions) {
    if (!member_) return;
    std::map<TopicPartition, int64_t> offsets;
    for (const auto& tp : partitions) {
        auto found = partitions_.find(tp);
        if (found == partitions_.end() || !found->second.stored) continue;
        offsets.emplace(tp, *found->second.stored);
        found->second.stored.reset();
    }
    if (!offsets.empty()) broker_->commit(options_.group, *member_, offsets);
}

void Subscriber::notify(RebalanceEvent::Kind kind, std::vector<TopicPartition> partitions) {
    if (listener_) listener_(RebalanceEvent{kind, std::move(partitions)});
}

}  // namespace courier::broker::memory
