#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/memory/publisher.hpp"
#include "courier/broker/memory/subscriber.hpp"

using namespace std::chrono_literals;
using courier::Message;
using courier::broker::RebalanceEvent;
using courier::broker::TopicPartition;
using courier::broker::memory::Broker;
using courier::broker::memory::Publisher;
using courier::broker::memory::Subscriber;

namespace {

using Partitions = std::vector<TopicPartition>;

Partitions partitions_of(const std::string& topic, std::initializer_list<int32_t> numbers) {
    Partitions out;
    for (int32_t n : numbers) out.push_back({topic, n});
    return out;
}

void publish_to(Publisher& publisher, int32_t partition, const std::string& payload) {
    Message m;
    m.topic = "t";
    m.payload = payload;
    m.partition = partition;
    publisher.publish(std::move(m),
                      [](courier::Result<courier::broker::DeliveryReport> r) { ASSERT_TRUE(r); });
}

/// One poll that only runs the rebalance steps (and returns whatever is already there).
std::vector<Message> poll_once(Subscriber& subscriber) {
    auto batch = subscriber.poll(100, 0ms);
    EXPECT_TRUE(batch) << batch.error().describe();
    return batch ? std::move(*batch) : std::vector<Message>{};
}

struct Env {
    std::shared_ptr<Broker> broker = std::make_shared<Broker>();
    Publisher publisher{broker};
    explicit Env(int32_t partitions) { broker->create_topic("t", partitions); }
};

}  // namespace

TEST(MemoryRebalance, AssignsContiguousRangesByJoinOrder) {
    Env env(5);
    Subscriber first(env.broker, {.group = "g"});
    Subscriber second(env.broker, {.group = "g"});
    first.subscribe({"t"});
    second.subscribe({"t"});

    poll_once(first);
    poll_once(second);

    EXPECT_EQ(first.assignment(), partitions_of("t", {0, 1, 2}));
    EXPECT_EQ(second.assignment(), partitions_of("t", {3, 4}));
}

TEST(MemoryRebalance, TwoMembersSplitThePartitionsAndTheSurvivorTakesOverOnClose) {
    Env env(4);
    Subscriber a(env.broker, {.group = "g"});
    a.subscribe({"t"});
    poll_once(a);
    ASSERT_EQ(a.assignment(), partitions_of("t", {0, 1, 2, 3}));

    auto b =
        std::make_unique<Subscriber>(env.broker, courier::broker::memory::SubscriberOptions{.group = "g"});
    b->subscribe({"t"});
    poll_once(*b);
    EXPECT_TRUE(b->assignment().empty()) << "a still owns everything until it polls";
    poll_once(a);
    EXPECT_EQ(a.assignment(), partitions_of("t", {0, 1}));
    poll_once(*b);
    EXPECT_EQ(b->assignment(), partitions_of("t", {2, 3}));

    // b consumes and finishes one message of its own, then leaves.
    publish_to(env.publisher, 3, "done by b");
    publish_to(env.publisher, 3, "left for a");
    auto got = b->poll(1, 1s);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 1U);
    b->mark_done(got->front());
    b.reset();  // the destructor closes: commits and leaves
    EXPECT_EQ(env.broker->committed("g", {"t", 3}), 1);

    auto taken_over = a.poll(10, 1s);
    ASSERT_TRUE(taken_over);
    EXPECT_EQ(a.assignment(), partitions_of("t", {0, 1, 2, 3}));
    ASSERT_EQ(taken_over->size(), 1U);
    EXPECT_EQ(taken_over->front().payload, "left for a");
}

TEST(MemoryRebalance, CallsRevokedBeforeThePartitionsMoveAndACommitInsideItSticks) {
    Env env(4);
    for (int32_t p = 0; p < 4; ++p) publish_to(env.publisher, p, "first of " + std::to_string(p));
    Subscriber a(env.broker, {.group = "g"});
    Subscriber b(env.broker, {.group = "g"});
    std::vector<RebalanceEvent> a_events;
    Partitions b_owned_during_revoke{{"sentinel", -1}};
    a.on_rebalance([&](const RebalanceEvent& e) {
        a_events.push_back(e);
        if (e.kind != RebalanceEvent::Kind::revoked) return;
        EXPECT_EQ(a.assignment(), partitions_of("t", {0, 1, 2, 3})) << "still owned inside the callback";
        poll_once(b);  // b may try to take them now: it must not get them yet
        b_owned_during_revoke = b.assignment();
        ASSERT_TRUE(a.commit());
        EXPECT_EQ(env.broker->committed("g", {"t", 2}), 1) << "the commit inside the callback is accepted";
    });
    a.subscribe({"t"});
    const auto got = a.poll(10, 1s);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 4U);
    for (const auto& m : *got) a.mark_done(m);  // done, not yet committed

    b.subscribe({"t"});
    poll_once(a);

    ASSERT_EQ(a_events.size(), 2U);
    EXPECT_EQ(a_events[0].kind, RebalanceEvent::Kind::assigned);
    EXPECT_EQ(a_events[1].kind, RebalanceEvent::Kind::revoked);
    EXPECT_EQ(a_events[1].partitions, partitions_of("t", {2, 3}));
    EXPECT_TRUE(b_owned_during_revoke.empty());
    for (int32_t p = 0; p < 4; ++p) EXPECT_EQ(env.broker->committed("g", {"t", p}), 1) << "partition " << p;

    // b starts where a's commit left off: nothing of the first round is delivered twice.
    publish_to(env.publisher, 2, "second of 2");
    auto taken = b.poll(10, 1s);
    ASSERT_TRUE(taken);
    EXPECT_EQ(b.assignment(), partitions_of("t", {2, 3}));
    ASSERT_EQ(taken->size(), 1U);
    EXPECT_EQ(taken->front().payload, "second of 2");
}

TEST(MemoryRebalance, CommitsWhatWasMarkedDoneOnRevokeAndRedeliversTheRest) {
    Env env(2);
    publish_to(env.publisher, 1, "done");
    publish_to(env.publisher, 1, "not done");
    Subscriber a(env.broker, {.group = "g"});
    a.subscribe({"t"});
    auto got = a.poll(10, 1s);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 2U);
    a.mark_done(got->front());  // no commit() and no listener

    Subscriber b(env.broker, {.group = "g"});
    b.subscribe({"t"});
    poll_once(a);
    EXPECT_EQ(env.broker->committed("g", {"t", 1}), 1) << "the revoke committed what was marked done";

    auto again = b.poll(10, 1s);
    ASSERT_TRUE(again);
    ASSERT_EQ(again->size(), 1U) << "at-least-once: the unfinished message comes again";
    EXPECT_EQ(again->front().payload, "not done");
}

TEST(MemoryRebalance, CloseReportsEveryOwnedPartitionAsRevoked) {
    Env env(3);
    Subscriber a(env.broker, {.group = "g"});
    std::vector<RebalanceEvent> events;
    a.on_rebalance([&](const RebalanceEvent& e) { events.push_back(e); });
    a.subscribe({"t"});
    poll_once(a);

    a.close();

    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1].kind, RebalanceEvent::Kind::revoked);
    EXPECT_EQ(events[1].partitions, partitions_of("t", {0, 1, 2}));
}

TEST(MemoryRebalance, DestructorLeavesAndCommitsWithoutCallingTheListener) {
    Env env(1);
    publish_to(env.publisher, 0, "x");
    std::vector<RebalanceEvent> events;
    {
        Subscriber a(env.broker, {.group = "g"});
        a.on_rebalance([&](const RebalanceEvent& e) { events.push_back(e); });
        a.subscribe({"t"});
        auto got = a.poll(1, 1s);
        ASSERT_TRUE(got);
        ASSERT_EQ(got->size(), 1U);
        a.mark_done(got->front());
    }
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, RebalanceEvent::Kind::assigned);
    EXPECT_EQ(env.broker->committed("g", {"t", 0}), 1);

    Subscriber b(env.broker, {.group = "g"});
    b.subscribe({"t"});
    poll_once(b);
    EXPECT_EQ(b.assignment(), partitions_of("t", {0})) << "the destroyed member left the group";
}

TEST(MemoryRebalance, ANewMemberGetsItsShareWhileTheOwnerPollsOnAnotherThread) {
    Env env(4);
    std::atomic<bool> a_ready{false};
    std::atomic<bool> stop{false};
    std::atomic<int> a_revocations{0};
    std::jthread owner([&] {
        Subscriber a(env.broker, {.group = "g"});
        a.on_rebalance([&](const RebalanceEvent& e) {
            if (e.kind == RebalanceEvent::Kind::revoked) ++a_revocations;
        });
        a.subscribe({"t"});
        while (!stop) {
            auto batch = a.poll(10, 20ms);
            ASSERT_TRUE(batch);
            if (a.assignment().size() == 4) a_ready = true;
        }
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!a_ready && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(a_ready);

    Subscriber b(env.broker, {.group = "g"});
    b.subscribe({"t"});
    while (b.assignment().empty() && std::chrono::steady_clock::now() < deadline)
        ASSERT_TRUE(b.poll(10, 100ms));

    EXPECT_EQ(b.assignment(), partitions_of("t", {2, 3}));
    EXPECT_EQ(a_revocations.load(), 1);
    stop = true;
}
