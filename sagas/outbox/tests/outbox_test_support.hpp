#pragma once
// Helpers shared by the outbox's integration and fault tests: a database with the outbox
// installed, a relay on its own thread, messages with per-key sequence numbers, reading a topic
// back and checking per-key order.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/outbox/outbox.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "courier/outbox/outbox_schema.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/temporary_database.hpp"

namespace courier::outbox::testing {

using namespace std::chrono_literals;

/// Polls `condition` every 20 ms until it holds or `limit` passes; returns its last value.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 60000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

inline Properties kafka_properties(const std::string& bootstrap = courier::testing::kafka_bootstrap()) {
    Properties p;
    p.set("bootstrap.servers", bootstrap);
    return p;
}

/// A fresh database with the outbox's migrations applied.
class OutboxDatabase {
public:
    OutboxDatabase() : database_("outbox") {
        auto c = database_.connect();
        install(c);
    }
    const std::string& dsn() const { return database_.dsn(); }
    pg::Connection connect() const { return database_.connect(); }
    int64_t rows() const {
        auto c = connect();
        return c.exec("SELECT count(*) FROM courier_outbox").get<int64_t>(0, 0);
    }

private:
    courier::testing::TemporaryDatabase database_;
};

/// Relay options for tests: quick polls, backoffs and rebalances.
inline OutboxRelayOptions quick_relay_options(const std::string& dsn, std::string name = "test") {
    OutboxRelayOptions o;
    o.dsn = dsn;
    o.name = std::move(name);
    o.poll_interval = 200ms;
    o.rebalance_interval = 200ms;
    o.initial_backoff = 50ms;
    o.max_backoff = 500ms;
    o.stop_timeout = 10s;
    return o;
}

/// An OutboxRelay running on its own thread until destroyed (or stop()).
class RelayThread {
public:
    RelayThread(OutboxRelayOptions options, broker::Publisher& publisher)
        : relay_(std::make_unique<OutboxRelay>(std::move(options), publisher)) {
        thread_ = std::jthread([this](std::stop_token stop) {
            try {
                relay_->run(stop);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "relay stopped with an exception: " << e.what();
            }
        });
    }
    ~RelayThread() { stop(); }
    void stop() {
        if (thread_.joinable()) {
            thread_.request_stop();
            thread_.join();
        }
    }
    RelayStats stats() const { return relay_->stats(); }

private:
    std::unique_ptr<OutboxRelay> relay_;
    std::jthread thread_;
};

/// A CloudEvent for `key` whose payload is its per-key sequence number.
inline Message sequenced(const std::string& topic, const std::string& key, int64_t sequence) {
    Message m;
    m.topic = topic;
    m.key = key;
    m.payload = std::to_string(sequence);
    ce::Attributes a;
    a.type = "test.sequenced.v1";
    a.source = "/outbox-test";
    a.subject = key;
    ce::stamp(m, a);
    return m;
}

inline std::string create_topic(const std::string& prefix, int partitions,
                                const std::string& bootstrap = courier::testing::kafka_bootstrap()) {
    auto topic = courier::testing::unique_name(prefix);
    broker::kafka::KafkaAdmin(kafka_properties(bootstrap)).create_topic({topic, partitions, 1, {}});
    return topic;
}

/// Consumed messages sorted by (partition, offset).
inline std::vector<Message> in_partition_order(std::vector<Message> messages) {
    // Sort positions, not Messages: cheaper, and it keeps GCC's -Wmaybe-uninitialized quiet
    // about optional metadata inside moved-from temporaries.
    std::vector<std::pair<std::pair<int32_t, int64_t>, std::size_t>> order;
    order.reserve(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto& m = messages[i].metadata;
        order.push_back({m ? std::make_pair(m->partition, m->offset) : std::make_pair(-1, int64_t{-1}), i});
    }
    std::sort(order.begin(), order.end());
    std::vector<Message> sorted;
    sorted.reserve(messages.size());
    for (const auto& entry : order) sorted.push_back(std::move(messages[entry.second]));
    return sorted;
}

/// Reads `topic` from the beginning until `enough(messages so far)` holds or `limit` passes.
/// Messages come in partition order, each partition in offset order.
template <typename Enough>
std::vector<Message> read_topic(const std::string& topic, Enough enough,
                                std::chrono::milliseconds limit = 60000ms,
                                const std::string& bootstrap = courier::testing::kafka_bootstrap()) {
    broker::kafka::KafkaSubscriberOptions options;
    options.properties = kafka_properties(bootstrap);
    broker::kafka::KafkaSubscriber subscriber(options);
    std::vector<broker::TopicPartition> partitions;
    for (int32_t p : subscriber.partitions_of(topic, 10s)) partitions.push_back({topic, p});
    subscriber.assign(partitions, broker::kafka::StartPosition::beginning());
    std::vector<Message> messages;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!enough(messages) && std::chrono::steady_clock::now() < deadline) {
        auto batch = subscriber.poll(1000, 200ms);
        if (!batch) continue;
        for (auto& m : *batch) messages.push_back(std::move(m));
    }
    return in_partition_order(std::move(messages));
}

inline std::size_t distinct_ids(const std::vector<Message>& messages) {
    std::set<std::string> ids;
    for (const auto& m : messages) {
        if (auto id = m.headers.get(ce::kId)) ids.emplace(*id);
    }
    return ids.size();
}

/// What a consumer that drops duplicates by ce_id sees, per key: the sequence numbers (payloads)
/// of first occurrences, in partition order. Also counts the duplicates dropped.
struct FirstOccurrences {
    std::map<std::string, std::vector<int64_t>> by_key;
    std::size_t duplicates = 0;
};

inline FirstOccurrences first_occurrences(const std::vector<Message>& messages) {
    FirstOccurrences result;
    std::set<std::string> seen;
    for (const auto& m : messages) {
        const std::string id(m.headers.get(ce::kId).value_or(""));
        if (!seen.insert(id).second) {
            ++result.duplicates;
            continue;
        }
        result.by_key[m.key.value_or("")].push_back(std::stoll(m.payload));
    }
    return result;
}

/// Checks that every key's first occurrences are exactly 1, 2, ..., expected[key].
inline void expect_each_key_in_sequence(const FirstOccurrences& seen,
                                        const std::map<std::string, int64_t>& expected) {
    EXPECT_EQ(seen.by_key.size(), expected.size()) << "keys that arrived";
    for (const auto& [key, count] : expected) {
        auto it = seen.by_key.find(key);
        if (it == seen.by_key.end()) {
            ADD_FAILURE() << "no message of key " << key << " arrived";
            continue;
        }
        const auto& sequence = it->second;
        EXPECT_EQ(static_cast<int64_t>(sequence.size()), count) << "messages of key " << key;
        for (std::size_t i = 0; i < sequence.size(); ++i) {
            if (sequence[i] != static_cast<int64_t>(i) + 1) {
                ADD_FAILURE() << "key " << key << ": message " << i << " is #" << sequence[i]
                              << ", expected #" << i + 1 << " (per-key order broken or a message lost)";
                break;
            }
        }
    }
}

}  // namespace courier::outbox::testing
