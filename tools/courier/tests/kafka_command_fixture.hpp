#pragma once
// What the replay, groups and runbook tests share: running a command in-process against the
// test broker, topics of their own, CloudEvents to publish, and reading a topic back.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/range_reader.hpp"
#include "courier/cli/commands.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/testing/environment.hpp"

namespace courier::testing {

struct CommandRun {
    int code = -1;
    std::string out, err;
};

/// Runs `command` with `args` plus -b <test broker>; `stop` is the command's stop flag.
inline CommandRun run_command(int (*command)(const std::vector<std::string>&, cli::CommandIo),
                              std::vector<std::string> args, const std::atomic<bool>* stop = nullptr) {
    args.push_back("-b");
    args.push_back(kafka_bootstrap());
    std::istringstream in;
    std::ostringstream out, err;
    int code = command(args, cli::CommandIo{in, out, err, stop});
    return {code, out.str(), err.str()};
}

inline Properties broker_properties() {
    Properties p;
    p.set("bootstrap.servers", kafka_bootstrap());
    return p;
}

/// Polls `condition` every 20 ms until it holds or `limit` passes; returns its last value.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

/// Milliseconds since the epoch, now.
inline int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class KafkaCommandFixture : public ::testing::Test {
protected:
    /// A new topic with a unique name.
    std::string topic(std::string_view prefix, int partitions) {
        auto name = unique_name(prefix);
        admin_.create_topic({name, partitions, 1, {}});
        return name;
    }

    /// A CloudEvent of `type` with `key`; `timestamp_ms` 0 lets the client stamp it.
    static Message event(const std::string& topic, const std::string& type, const std::string& key,
                         std::string payload, int64_t timestamp_ms = 0, std::vector<Header> extra = {}) {
        Message m;
        m.topic = topic;
        m.key = key;
        m.payload = std::move(payload);
        m.timestamp_ms = timestamp_ms;
        ce::Attributes a;
        a.type = type;
        a.source = "/test";
        ce::stamp(m, a);
        for (auto& h : extra) m.headers.add(h.name, h.value);
        return m;
    }

    void publish_all(std::vector<Message> messages) {
        std::vector<std::future<broker::DeliveryReport>> acks;
        for (auto& m : messages) acks.push_back(publisher_.publish(std::move(m)));
        for (auto& a : acks) a.get();
    }

    /// Every message of `topic` now, in partition then offset order.
    std::vector<Message> read_all(const std::string& topic) {
        broker::kafka::RangeReader reader(broker_properties(),
                                          broker::kafka::RangeBounds{topic, {}, {}, {}, {}, {}});
        std::map<std::pair<int32_t, int64_t>, Message> by_position;
        reader.read([&](const Message& m) {
            by_position.emplace(std::pair(m.metadata->partition, m.metadata->offset), m);
            return true;
        });
        std::vector<Message> out;
        for (auto& [position, m] : by_position) out.push_back(std::move(m));
        return out;
    }

    /// Messages in `topic` (sum of high watermarks).
    int64_t end_of(const std::string& topic) {
        int64_t sum = 0;
        for (auto p : admin_.describe_topic(topic).partitions) sum += admin_.watermarks({topic, p}).high;
        return sum;
    }

    /// The group's committed offset on each partition of `topic` (-1: none).
    std::vector<int64_t> committed(const std::string& group, const std::string& topic) {
        std::vector<int64_t> out;
        for (const auto& lag : admin_.group_lag(group, topic)) out.push_back(lag.committed);
        return out;
    }

    broker::kafka::KafkaAdmin admin_{broker_properties()};
    broker::kafka::KafkaPublisher publisher_{broker::kafka::KafkaPublisherOptions{broker_properties()}};
};

}  // namespace courier::testing
