#pragma once
// Kafka-side helpers of the saga's integration and fault tests: a Router with the inbox on its
// own thread, and participants that reply through the outbox in the inbox's transaction.

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/inbox_store.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/outbox/outbox.hpp"
#include "courier/pg/connection_pool.hpp"
#include "courier/testing/environment.hpp"

namespace courier::saga::testing {

using namespace std::chrono_literals;
namespace kafka = courier::broker::kafka;

template <typename Condition>
inline bool eventually(Condition condition, std::chrono::milliseconds limit = 60000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return condition();
}

inline Properties kafka_properties(const std::string& bootstrap = courier::testing::kafka_bootstrap()) {
    Properties p;
    p.set("bootstrap.servers", bootstrap);
    return p;
}

// A Kafka subscriber and a Router with the inbox of `group`, running on its own thread.
class RouterThread {
public:
    RouterThread(const std::string& group, pg::ConnectionPool& pool, broker::Publisher& dead_letters,
                 const std::string& bootstrap = courier::testing::kafka_bootstrap())
        : inbox_(group) {
        kafka::KafkaSubscriberOptions so;
        so.properties = kafka_properties(bootstrap);
        // A killed member's partitions move on after seconds, not the 45 s default.
        so.properties.set("session.timeout.ms", "6000");
        so.properties.set("heartbeat.interval.ms", "500");
        so.group = group;
        subscriber_ = std::make_unique<kafka::KafkaSubscriber>(so);
        consumers::RouterOptions options;
        options.group = group;
        options.commit_interval = 50ms;
        options.poll_timeout = 50ms;
        options.retry.initial_backoff = 20ms;
        options.retry.max_backoff = 200ms;
        router_ = std::make_unique<consumers::Router>(options, *subscriber_, dead_letters);
        router_->use(consumers::middleware::inbox(pool, inbox_));
    }
    ~RouterThread() {
        thread_.request_stop();
        if (thread_.joinable()) thread_.join();
    }
    consumers::Router& router() { return *router_; }
    void start() {
        thread_ = std::jthread([this](std::stop_token stop) { router_->run(stop); });
    }

private:
    consumers::InboxStore inbox_;
    std::unique_ptr<kafka::KafkaSubscriber> subscriber_;
    std::unique_ptr<consumers::Router> router_;
    std::jthread thread_;
};

// A participant's handler: records the command in `effects`, and replies (in the inbox's
// transaction, through the outbox) with `reject` when the saga data asks for it, else `accept`.
inline consumers::Handler participant(std::string reply_topic, std::string accept, std::string reject,
                                      std::string reject_marker) {
    return [=](consumers::Context& c) -> Result<void> {
        const bool rejecting = !reject.empty() && c.message.payload.find(reject_marker) != std::string::npos;
        auto recorded = c.transaction->try_exec("INSERT INTO effects (saga_id, command) VALUES ($1, $2)",
                                                {c.event.correlation_id, c.event.type});
        if (!recorded) return std::move(recorded).error();
        Message reply;
        reply.topic = reply_topic;
        reply.payload = c.message.payload;
        ce::stamp(reply,
                  ce::caused_by(c.event, rejecting ? reject : accept, "/test/participant", c.event.subject));
        return outbox::Outbox{}.enqueue(*c.transaction, reply);
    };
}

}  // namespace courier::saga::testing
