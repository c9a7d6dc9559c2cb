#pragma once
// A Publisher for relay tests: stores into an in-process memory broker, acknowledges on its own
// thread in publish order after an optional delay, and fails chosen messages a chosen number of
// times — the broker behaviours the relay must survive, on demand.

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/publisher.hpp"
#include "courier/core/cloud_events.hpp"

namespace courier::outbox::testing {

class ScriptedPublisher final : public broker::Publisher {
public:
    explicit ScriptedPublisher(std::shared_ptr<broker::memory::Broker> broker) : broker_(std::move(broker)) {
        thread_ = std::jthread([this](std::stop_token stop) { deliver(stop); });
    }
    ~ScriptedPublisher() override {
        thread_.request_stop();
        changed_.notify_all();
    }

    /// The next `times` publishes of the message with this ce_id fail (transient). With
    /// `with_followers`, every later message of the same (topic, key) fails too until the chosen
    /// one is published again, as Kafka's idempotent producer fails the rest of a partition;
    /// without, they go through (as when librdkafka times a message out and then delivers later
    /// ones).
    void fail(const std::string& ce_id, int times, bool with_followers) {
        std::lock_guard lock(mutex_);
        failures_[ce_id] = times;
        with_followers_ = with_followers;
    }
    /// The next `times` publishes of the message with this ce_id are refused inside publish()
    /// (the callback runs before publish() returns), as a full queue in fail-fast mode is.
    void refuse(const std::string& ce_id, int times) {
        std::lock_guard lock(mutex_);
        refusals_[ce_id] = times;
    }
    /// Acknowledge each message this long after it was published.
    void delay_acknowledgements(std::chrono::milliseconds delay) {
        std::lock_guard lock(mutex_);
        delay_ = delay;
    }
    int attempts() const {
        std::lock_guard lock(mutex_);
        return attempts_;
    }

    using broker::Publisher::publish;
    void publish(Message message, broker::DeliveryCallback done) override {
        std::unique_lock lock(mutex_);
        ++attempts_;
        auto refusal = refusals_.find(std::string(message.headers.get(ce::kId).value_or("")));
        if (refusal != refusals_.end() && refusal->second > 0) {
            --refusal->second;
            lock.unlock();
            done(Error::transient("test.refused", "injected refusal"));
            return;
        }
        queue_.push_back({std::move(message), std::move(done), std::chrono::steady_clock::now() + delay_});
        changed_.notify_all();
    }
    bool flush(std::chrono::milliseconds timeout) override {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return queue_.empty() && !delivering_; });
    }
    std::size_t in_flight() const override {
        std::lock_guard lock(mutex_);
        return queue_.size() + (delivering_ ? 1 : 0);
    }

private:
    struct Entry {
        Message message;
        broker::DeliveryCallback done;
        std::chrono::steady_clock::time_point due;
    };

    void deliver(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        while (!stop.stop_requested()) {
            if (queue_.empty()) {
                changed_.wait_for(lock, std::chrono::milliseconds(20));
                continue;
            }
            if (std::chrono::steady_clock::now() < queue_.front().due) {
                changed_.wait_until(lock, queue_.front().due);
                continue;
            }
            Entry entry = std::move(queue_.front());
            queue_.pop_front();
            delivering_ = true;
            const std::string id(entry.message.headers.get(ce::kId).value_or(""));
            const auto key = std::make_pair(entry.message.topic, entry.message.key);
            auto failure = failures_.find(id);
            bool fails = false;
            if (failure != failures_.end()) {
                // The chosen message again: a new attempt, in which its followers start clean.
                failed_keys_.erase(key);
                fails = failure->second > 0;
                if (fails) --failure->second;
                if (fails && with_followers_) failed_keys_.insert(key);
            } else {
                fails = failed_keys_.count(key) > 0;
            }
            lock.unlock();
            if (fails) {
                entry.done(Error::transient("test.injected", "injected publish failure of " + id));
            } else {
                entry.done(broker_->append(std::move(entry.message)));
            }
            lock.lock();
            delivering_ = false;
            changed_.notify_all();
        }
    }

    std::shared_ptr<broker::memory::Broker> broker_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Entry> queue_;
    std::map<std::string, int> failures_;
    std::map<std::string, int> refusals_;
    bool with_followers_ = false;
    std::set<std::pair<std::string, std::optional<std::string>>> failed_keys_;
    std::chrono::milliseconds delay_{0};
    int attempts_ = 0;
    bool delivering_ = false;
    std::jthread thread_;  // last: stopped before the members it uses go
};

}  // namespace courier::outbox::testing
