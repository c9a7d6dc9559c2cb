// The router's contract, exercised over the in-memory broker (no servers).

#include "courier/consumers/router.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/memory/publisher.hpp"
#include "courier/broker/memory/subscriber.hpp"
#include "courier/consumers/dead_letter.hpp"
#include "courier/consumers/replay_headers.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/errors.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::consumers;
namespace memory = courier::broker::memory;

namespace {

template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return condition();
}

Message event(const std::string& topic, const std::string& type, const std::string& key, std::string payload,
              int32_t partition = -1) {
    Message m;
    m.topic = topic;
    m.key = key;
    m.payload = std::move(payload);
    m.partition = partition;
    ce::Attributes a;
    a.type = type;
    a.source = "/test";
    ce::stamp(m, a);
    return m;
}

// A broker with `topic` (and optionally its dead-letter topic), a router wired to it, and a
// thread running the router until the fixture ends.
class RouterFixture : public ::testing::Test {
protected:
    void TearDown() override { stop(); }

    void create(const std::string& topic, int partitions, bool with_dead_letters = true) {
        broker_->create_topic(topic, partitions);
        if (with_dead_letters) broker_->create_topic(dlq::topic_for(topic), 1);
    }
    void publish(Message m) { ASSERT_TRUE(broker_->append(std::move(m))); }

    Router& router(RouterOptions options = {}) {
        options.group = "g";
        options.retry.initial_backoff = 5ms;
        options.retry.max_backoff = 20ms;
        options.commit_interval = 10ms;
        if (options.poll_timeout == 100ms) options.poll_timeout = 10ms;
        subscriber_ = std::make_unique<memory::Subscriber>(broker_, memory::SubscriberOptions{"g"});
        router_ = std::make_unique<Router>(options, *subscriber_, dead_letter_publisher_);
        return *router_;
    }
    void start() {
        thread_ = std::jthread([this](std::stop_token stop) { router_->run(stop); });
    }
    void stop() {
        if (thread_.joinable()) {
            thread_.request_stop();
            thread_.join();
        }
    }
    int64_t committed(const std::string& topic, int32_t partition) {
        return broker_->committed("g", {topic, partition}).value_or(-1);
    }
    std::vector<Message> dead_letters(const std::string& topic) { return broker_->messages(dlq::topic_for(topic)); }

    std::shared_ptr<memory::Broker> broker_ = std::make_shared<memory::Broker>();
    memory::Publisher dead_letter_publisher_{broker_};
    std::unique_ptr<memory::Subscriber> subscriber_;
    std::unique_ptr<Router> router_;
    std::jthread thread_;
};

}  // namespace

TEST_F(RouterFixture, RoutesByTopicAndTypeAndCommitsWhatWasHandled) {
    create("orders", 1);
    std::mutex mutex;
    std::vector<std::string> seen;
    auto record = [&](Context& c) -> Result<void> {
        std::lock_guard lock(mutex);
        seen.push_back(c.handler + ":" + c.message.payload);
        return {};
    };
    router().handle("placed", "orders", "order.placed.v1", record).handle("cancelled", "orders", "order.cancelled.v1", record);
    publish(event("orders", "order.placed.v1", "o1", "1"));
    publish(event("orders", "order.cancelled.v1", "o1", "2"));
    publish(event("orders", "order.placed.v1", "o1", "3"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 3; }));
    stop();
    EXPECT_EQ(seen, (std::vector<std::string>{"placed:1", "cancelled:2", "placed:3"}));
    EXPECT_EQ(router_->stats().handled, 3u);
    EXPECT_TRUE(dead_letters("orders").empty());
}

TEST_F(RouterFixture, APoisonMessageIsDeadLetteredWithProvenanceWhileLaterOnesFlow) {
    create("orders", 1);
    std::atomic<int> handled{0};
    router().handle("placed", "orders", "order.placed.v1", [&](Context&) -> Result<void> {
        handled++;
        return {};
    });
    publish(event("orders", "order.placed.v1", "o1", "ok-1"));
    Message no_id = event("orders", "order.placed.v1", "o1", "poison");
    no_id.headers.remove("ce_id");
    publish(no_id);
    publish(event("orders", "order.placed.v1", "o1", "ok-2"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 3; }));
    EXPECT_EQ(handled.load(), 2) << "the message after the poison one was processed";
    auto dead = dead_letters("orders");
    ASSERT_EQ(dead.size(), 1u);
    const auto& h = dead[0].headers;
    EXPECT_EQ(dead[0].payload, "poison");
    EXPECT_EQ(dead[0].key, "o1");
    EXPECT_EQ(h.get(dlq::kReason), "poison");
    EXPECT_EQ(h.get(dlq::kErrorKind), "poison");
    EXPECT_NE(h.get(dlq::kError)->find("no ce_id"), std::string::npos) << *h.get(dlq::kError);
    EXPECT_EQ(h.get(dlq::kOriginalTopic), "orders");
    EXPECT_EQ(h.get(dlq::kOriginalPartition), "0");
    EXPECT_EQ(h.get(dlq::kOriginalOffset), "1");
    EXPECT_TRUE(h.contains(dlq::kOriginalTimestamp));
    EXPECT_EQ(h.get(dlq::kGroup), "g");
    EXPECT_EQ(h.get(dlq::kAttempts), "1");
    EXPECT_TRUE(h.contains(dlq::kFailedAt));
    EXPECT_EQ(h.get("ce_type"), "order.placed.v1") << "the original headers are kept";
}

TEST_F(RouterFixture, AnUnknownTypeIsDeadLetteredOrSkippedByPolicy) {
    create("orders", 1);
    create("audit", 1);
    auto ok = [](Context&) -> Result<void> { return {}; };
    RouterOptions skip;
    router().handle("placed", "orders", "order.placed.v1", ok);
    publish(event("orders", "order.exploded.v1", "o1", "?"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 1; }));
    stop();
    ASSERT_EQ(dead_letters("orders").size(), 1u);
    EXPECT_NE(dead_letters("orders")[0].headers.get(dlq::kError)->find("order.exploded.v1"), std::string::npos);

    skip.unknown_type = UnknownTypePolicy::skip;
    router(skip).handle("placed", "audit", "order.placed.v1", ok);
    publish(event("audit", "order.exploded.v1", "o1", "?"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("audit", 0) == 1; }));
    EXPECT_TRUE(dead_letters("audit").empty());
    EXPECT_EQ(router_->stats().skipped, 1u);
}

TEST_F(RouterFixture, AReplayedCopyMeantForAnotherGroupIsSkippedAndCommittedPast) {
    create("orders", 1);
    std::mutex mutex;
    std::vector<std::string> seen;
    router().handle("placed", "orders", "order.placed.v1", [&](Context& c) -> Result<void> {
        std::lock_guard lock(mutex);
        seen.push_back(c.message.payload);
        return {};
    });
    publish(event("orders", "order.placed.v1", "o1", "original"));
    auto for_other = event("orders", "order.placed.v1", "o1", "copy for billing");
    for_other.headers.set(replay::kGroup, "billing");
    publish(std::move(for_other));
    // Not even a CloudEvent: the group check comes before anything could dead-letter it.
    Message garbage;
    garbage.topic = "orders";
    garbage.payload = "not for us";
    garbage.headers.set(replay::kGroup, "billing");
    publish(std::move(garbage));
    auto for_us = event("orders", "order.placed.v1", "o1", "copy for g");
    for_us.headers.set(replay::kGroup, "g");
    publish(std::move(for_us));
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 4; }));
    stop();
    EXPECT_EQ(seen, (std::vector<std::string>{"original", "copy for g"}));
    EXPECT_EQ(router_->stats().handled, 2u);
    EXPECT_EQ(router_->stats().skipped, 2u);
    EXPECT_TRUE(dead_letters("orders").empty());
}

TEST_F(RouterFixture, TransientFailuresRetryWithoutDeadLetteringAndOtherPartitionsKeepFlowing) {
    create("orders", 2);
    std::atomic<int> attempts_on_p0{0};
    std::atomic<int> handled_on_p1{0};
    std::atomic<bool> database_up{false};
    router().handle("placed", "orders", "*", [&](Context& c) -> Result<void> {
        if (c.message.metadata->partition == 0) {
            attempts_on_p0++;
            if (!database_up) return Error::transient("pg.08006", "database unavailable");
            return {};
        }
        handled_on_p1++;
        return {};
    });
    publish(event("orders", "x.v1", "a", "p0", 0));
    start();
    ASSERT_TRUE(eventually([&] { return attempts_on_p0 >= 3; }));
    for (int i = 0; i < 5; ++i) publish(event("orders", "x.v1", "b", "p1", 1));
    ASSERT_TRUE(eventually([&] { return handled_on_p1 == 5; })) << "partition 1 is not blocked by partition 0";
    EXPECT_EQ(committed("orders", 0), -1) << "nothing committed past the failing message";
    database_up = true;
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 1; }));
    EXPECT_TRUE(dead_letters("orders").empty()) << "transient failures are never dead-lettered";
    EXPECT_GE(router_->stats().retried, 2u);
}

TEST_F(RouterFixture, PermanentFailuresAreRetriedUpToTheLimitThenDeadLettered) {
    create("orders", 1);
    std::atomic<int> attempts{0};
    RouterOptions options;
    options.retry.max_permanent_attempts = 3;
    router(options).handle("placed", "orders", "*", [&](Context& c) -> Result<void> {
        attempts++;
        EXPECT_EQ(c.attempt, attempts.load()) << "the context counts attempts";
        return Error::permanent("order.rejected", "customer unknown");
    });
    publish(event("orders", "x.v1", "a", "bad"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 1; }));
    EXPECT_EQ(attempts.load(), 3);
    auto dead = dead_letters("orders");
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].headers.get(dlq::kReason), "retries-exhausted");
    EXPECT_EQ(dead[0].headers.get(dlq::kAttempts), "3");
    EXPECT_EQ(dead[0].headers.get(dlq::kHandler), "placed");
    EXPECT_NE(dead[0].headers.get(dlq::kError)->find("customer unknown"), std::string::npos);
}

TEST_F(RouterFixture, AHandlerThatThrowsCountsAsAPermanentFailure) {
    create("orders", 1);
    RouterOptions options;
    options.retry.max_permanent_attempts = 1;
    router(options).handle("placed", "orders", "*", [](Context&) -> Result<void> {
        throw std::runtime_error("boom");
    });
    publish(event("orders", "x.v1", "a", "v"));
    start();
    ASSERT_TRUE(eventually([&] { return dead_letters("orders").size() == 1; }));
    EXPECT_NE(dead_letters("orders")[0].headers.get(dlq::kError)->find("threw: boom"), std::string::npos);
}

TEST_F(RouterFixture, WhenTheDeadLetterTopicRefusesTheOriginalStaysUncommittedUntilItAccepts) {
    create("orders", 1, /*with_dead_letters=*/false);
    router().handle("placed", "orders", "*", [](Context&) -> Result<void> {
        return Error::poison("schema.invalid", "quantity must be positive");
    });
    publish(event("orders", "x.v1", "a", "bad"));
    publish(event("orders", "x.v1", "a", "later"));
    start();
    ASSERT_TRUE(eventually([&] { return router_->stats().dead_letter_failures >= 2; }));
    EXPECT_EQ(committed("orders", 0), -1) << "never commit past a message that is in no dead-letter topic";
    broker_->create_topic(dlq::topic_for("orders"), 1);
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 2; }));
    EXPECT_EQ(dead_letters("orders").size(), 2u);
}

TEST_F(RouterFixture, WithParallelismEachPartitionKeepsItsOrder) {
    create("orders", 4);
    std::mutex mutex;
    std::map<std::string, std::vector<int>> by_key;
    RouterOptions options;
    options.parallelism = 4;
    router(options).handle("placed", "orders", "*", [&](Context& c) -> Result<void> {
        std::lock_guard lock(mutex);
        by_key[*c.message.key].push_back(std::stoi(c.message.payload));
        return {};
    });
    for (int i = 0; i < 200; ++i) {
        for (std::string key : {"k1", "k2", "k3", "k4", "k5", "k6"}) publish(event("orders", "x.v1", key, std::to_string(i)));
    }
    start();
    ASSERT_TRUE(eventually([&] { return router_->stats().handled == 1200; }));
    for (const auto& [key, values] : by_key) {
        ASSERT_EQ(values.size(), 200u) << key;
        for (int i = 0; i < 200; ++i) ASSERT_EQ(values[static_cast<std::size_t>(i)], i) << key;
    }
}

TEST_F(RouterFixture, TheWatchdogDeadLettersAMessageThatMakesNoProgressWhenAskedTo) {
    create("orders", 1);
    RouterOptions options;
    options.stuck_after = 100ms;
    options.dead_letter_stuck = true;
    router(options).handle("placed", "orders", "*", [](Context& c) -> Result<void> {
        if (c.message.payload == "stuck") return Error::transient("pg.57P03", "cannot connect now");
        return {};
    });
    publish(event("orders", "x.v1", "a", "stuck"));
    publish(event("orders", "x.v1", "a", "fine"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 2; }));
    auto dead = dead_letters("orders");
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].headers.get(dlq::kReason), "stuck");
}

TEST_F(RouterFixture, StoppingCommitsEverythingHandled) {
    create("orders", 1);
    RouterOptions options;
    options.commit_every = 1000000;
    options.commit_interval = std::chrono::hours(1);
    router(options).handle("placed", "orders", "*", [](Context&) -> Result<void> { return {}; });
    for (int i = 0; i < 50; ++i) publish(event("orders", "x.v1", "a", std::to_string(i)));
    start();
    ASSERT_TRUE(eventually([&] { return router_->stats().handled == 50; }));
    stop();
    EXPECT_EQ(committed("orders", 0), 50);
}

TEST_F(RouterFixture, RegisteringTheSameTypeTwiceIsAConfigurationError) {
    create("orders", 1);
    auto ok = [](Context&) -> Result<void> { return {}; };
    auto& r = router();
    r.handle("a", "orders", "x.v1", ok);
    EXPECT_THROW(r.handle("b", "orders", "x.v1", ok), ConfigError);
}

namespace {

// What an observer saw, in order: "topic type outcome" plus " timed" when a handler ran.
struct Observed {
    std::mutex mutex;
    std::vector<std::string> lines;
    std::vector<std::chrono::nanoseconds> times;

    RouterObserver observer() {
        return [this](const MessageObservation& o) {
            std::lock_guard lock(mutex);
            lines.push_back(std::string(o.topic) + " " + std::string(o.type) + " " +
                            std::string(to_string(o.outcome)) + (o.handler_time ? " timed" : ""));
            if (o.handler_time) times.push_back(*o.handler_time);
        };
    }
    std::vector<std::string> seen() {
        std::lock_guard lock(mutex);
        return lines;
    }
};

}  // namespace

TEST_F(RouterFixture, TellsTheObserverEachOutcomeWithTopicTypeAndHandlerTime) {
    create("orders", 1);
    Observed observed;
    RouterOptions options;
    options.observer = observed.observer();
    options.retry.max_permanent_attempts = 2;
    router(options)
        .handle("placed", "orders", "order.placed.v1",
                [](Context&) -> Result<void> {
                    std::this_thread::sleep_for(20ms);
                    return {};
                })
        .handle("broken", "orders", "order.broken.v1",
                [](Context&) -> Result<void> { return Error::permanent("test.broken", "always fails"); });
    publish(event("orders", "order.placed.v1", "o1", "slow"));
    publish(event("orders", "order.broken.v1", "o1", "fails twice, then dead-lettered"));
    Message untyped = event("orders", "order.placed.v1", "o1", "no ce_type: poison");
    untyped.headers.remove("ce_type");
    publish(untyped);
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 3; }));
    stop();

    EXPECT_EQ(observed.seen(), (std::vector<std::string>{
                                   "orders order.placed.v1 handled timed",
                                   "orders order.broken.v1 failed timed",
                                   "orders order.broken.v1 retried",
                                   "orders order.broken.v1 failed timed",
                                   "orders order.broken.v1 dead_lettered",
                                   "orders unknown failed",
                                   "orders unknown dead_lettered",
                               }));
    ASSERT_FALSE(observed.times.empty());
    EXPECT_GE(observed.times.front(), 20ms) << "the handler's own time is included";
    const auto stats = router_->stats();
    EXPECT_EQ(stats.handled, 1u);
    EXPECT_EQ(stats.failed, 3u);
    EXPECT_EQ(stats.retried, 1u);
    EXPECT_EQ(stats.dead_lettered, 2u);
}

TEST_F(RouterFixture, ASkippedMessageIsReportedAsSkippedNotHandled) {
    create("audit", 1);
    Observed observed;
    RouterOptions options;
    options.observer = observed.observer();
    options.unknown_type = UnknownTypePolicy::skip;
    router(options).handle("placed", "audit", "order.placed.v1", [](Context&) -> Result<void> { return {}; });
    publish(event("audit", "order.exploded.v1", "o1", "?"));
    auto for_other = event("audit", "order.placed.v1", "o1", "copy for billing");
    for_other.headers.set(replay::kGroup, "billing");
    publish(std::move(for_other));
    publish(event("audit", "order.placed.v1", "o1", "ok"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("audit", 0) == 3; }));
    stop();
    EXPECT_EQ(observed.seen(),
              (std::vector<std::string>{"audit order.exploded.v1 skipped", "audit order.placed.v1 skipped",
                                        "audit order.placed.v1 handled timed"}));
    EXPECT_EQ(router_->stats().handled, 1u);
    EXPECT_EQ(router_->stats().skipped, 2u);
}

TEST_F(RouterFixture, AnObserverThatThrowsChangesNothing) {
    create("orders", 1);
    RouterOptions options;
    options.observer = [](const MessageObservation&) { throw std::runtime_error("metrics broke"); };
    std::atomic<int> handled{0};
    router(options).handle("placed", "orders", "order.placed.v1", [&](Context&) -> Result<void> {
        ++handled;
        return {};
    });
    publish(event("orders", "order.placed.v1", "o1", "1"));
    publish(event("orders", "order.placed.v1", "o1", "2"));
    start();
    ASSERT_TRUE(eventually([&] { return committed("orders", 0) == 2; }));
    EXPECT_EQ(handled.load(), 2);
    EXPECT_EQ(router_->stats().handled, 2u);
}

TEST_F(RouterFixture, ListsTheTopicsItHandles) {
    auto ok = [](Context&) -> Result<void> { return {}; };
    auto& r = router();
    r.handle("a", "payments", "x.v1", ok).handle("b", "orders", "x.v1", ok).handle("c", "orders", "y.v1", ok);
    EXPECT_EQ(r.topics(), (std::vector<std::string>{"orders", "payments"}));
}
