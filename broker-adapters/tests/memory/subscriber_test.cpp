#include "courier/broker/memory/subscriber.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/memory/publisher.hpp"
#include "courier/core/errors.hpp"

using namespace std::chrono_literals;
using courier::Message;
using courier::broker::RebalanceEvent;
using courier::broker::TopicPartition;
using courier::broker::memory::Broker;
using courier::broker::memory::BrokerOptions;
using courier::broker::memory::OffsetReset;
using courier::broker::memory::Publisher;
using courier::broker::memory::Subscriber;
using courier::broker::memory::SubscriberOptions;

namespace {

void publish_to(Publisher& publisher, const std::string& topic, int32_t partition,
                const std::string& payload) {
    Message m;
    m.topic = topic;
    m.payload = payload;
    m.partition = partition;
    publisher.publish(std::move(m),
                      [](courier::Result<courier::broker::DeliveryReport> r) { ASSERT_TRUE(r); });
}

/// Polls until `count` messages arrived or `within` passed; returns what arrived.
std::vector<Message> poll_for(Subscriber& subscriber, std::size_t count,
                              std::chrono::milliseconds within = 5s) {
    std::vector<Message> got;
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
        auto batch = subscriber.poll(count - got.size(), 50ms);
        EXPECT_TRUE(batch) << batch.error().describe();
        if (!batch) break;
        for (auto& m : *batch) got.push_back(std::move(m));
    }
    return got;
}

std::vector<std::string> payloads(const std::vector<Message>& messages) {
    std::vector<std::string> out;
    for (const auto& m : messages) out.push_back(m.payload);
    return out;
}

struct OneTopic {
    std::shared_ptr<Broker> broker = std::make_shared<Broker>();
    Publisher publisher{broker};
    explicit OneTopic(int32_t partitions) { broker->create_topic("t", partitions); }
};

}  // namespace

TEST(MemorySubscriber, DeliversMessagesInOffsetOrderWithTheirMetadata) {
    OneTopic env(1);
    for (const char* p : {"a", "b", "c"}) publish_to(env.publisher, "t", 0, p);
    Subscriber subscriber(env.broker, {.group = "g"});
    subscriber.subscribe({"t"});

    const auto got = poll_for(subscriber, 3);

    ASSERT_EQ(payloads(got), (std::vector<std::string>{"a", "b", "c"}));
    for (int64_t i = 0; i < 3; ++i) {
        const auto& meta = got[static_cast<std::size_t>(i)].metadata;
        ASSERT_TRUE(meta.has_value());
        EXPECT_EQ(meta->partition, 0);
        EXPECT_EQ(meta->offset, i);
        EXPECT_GT(meta->timestamp_ms, 0);
        EXPECT_EQ(meta->group, "g");
    }
    EXPECT_FALSE(env.broker->committed("g", {"t", 0}).has_value()) << "polling never commits";
}

TEST(MemorySubscriber, ReturnsAtMostTheRequestedNumberOfMessages) {
    OneTopic env(2);
    for (int i = 0; i < 10; ++i) publish_to(env.publisher, "t", i % 2, std::to_string(i));
    Subscriber subscriber(env.broker, {.group = "g"});
    subscriber.subscribe({"t"});

    auto first = subscriber.poll(3, 1s);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->size(), 3U);
    EXPECT_EQ(poll_for(subscriber, 7).size(), 7U);
}

TEST(MemorySubscriber, ResumesFromTheCommittedOffsetAfterARestart) {
    OneTopic env(1);
    for (int i = 0; i < 5; ++i) publish_to(env.publisher, "t", 0, std::to_string(i));
    {
        Subscriber first(env.broker, {.group = "g"});
        first.subscribe({"t"});
        const auto got = poll_for(first, 5);
        ASSERT_EQ(got.size(), 5U);
        first.mark_done(got[2]);
        ASSERT_TRUE(first.commit());
        EXPECT_EQ(env.broker->committed("g", {"t", 0}), 3);
    }  // offsets 3 and 4 were read but never marked done

    Subscriber restarted(env.broker, {.group = "g"});
    restarted.subscribe({"t"});
    EXPECT_EQ(payloads(poll_for(restarted, 2)), (std::vector<std::string>{"3", "4"}));

    Subscriber other_group(env.broker, {.group = "other"});
    other_group.subscribe({"t"});
    EXPECT_EQ(poll_for(other_group, 5).size(), 5U) << "another group starts from its own (earliest) offsets";
}

TEST(MemorySubscriber, CommitsOnlyWhatIsMarkedDoneAndOnlyWhenAsked) {
    OneTopic env(1);
    for (int i = 0; i < 3; ++i) publish_to(env.publisher, "t", 0, std::to_string(i));
    Subscriber subscriber(env.broker, {.group = "g"});
    subscriber.subscribe({"t"});
    const auto got = poll_for(subscriber, 3);
    ASSERT_EQ(got.size(), 3U);

    ASSERT_TRUE(subscriber.commit()) << "nothing pending is a no-op success";
    EXPECT_FALSE(env.broker->committed("g", {"t", 0}).has_value());
    subscriber.mark_done(got[0]);
    EXPECT_FALSE(env.broker->committed("g", {"t", 0}).has_value()) << "mark_done alone does not commit";
    ASSERT_TRUE(subscriber.commit());
    EXPECT_EQ(env.broker->committed("g", {"t", 0}), 1);
}

TEST(MemorySubscriber, CloseCommitsWhatIsMarkedDoneAndIsIdempotent) {
    OneTopic env(1);
    publish_to(env.publisher, "t", 0, "x");
    Subscriber subscriber(env.broker, {.group = "g"});
    subscriber.subscribe({"t"});
    const auto got = poll_for(subscriber, 1);
    ASSERT_EQ(got.size(), 1U);
    subscriber.mark_done(got[0]);

    subscriber.close();
    subscriber.close();

    EXPECT_EQ(env.broker->committed("g", {"t", 0}), 1);
    EXPECT_TRUE(subscriber.assignment().empty());
    auto after = subscriber.poll(1, 0ms);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, "memory.closed");
}

TEST(MemorySubscriber, RefusesToPollBeforeSubscribing) {
    OneTopic env(1);
    Subscriber subscriber(env.broker, {.group = "g"});
    auto result = subscriber.poll(1, 0ms);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, courier::ErrorKind::permanent);
    EXPECT_EQ(result.error().code, "memory.not_subscribed");
    EXPECT_THROW(Subscriber(env.broker, {.group = ""}), courier::ConfigError);
    EXPECT_THROW(subscriber.subscribe({"has space"}), courier::ConfigError);
}

TEST(MemorySubscriber, StartsAtTheEndOfThePartitionWhenTheResetIsLatest) {
    OneTopic env(1);
    publish_to(env.publisher, "t", 0, "old");
    Subscriber subscriber(env.broker, {.group = "g", .auto_offset_reset = OffsetReset::latest});
    subscriber.subscribe({"t"});
    auto nothing = subscriber.poll(10, 0ms);  // takes the assignment at the current end
    ASSERT_TRUE(nothing);
    EXPECT_TRUE(nothing->empty());

    publish_to(env.publisher, "t", 0, "new");

    EXPECT_EQ(payloads(poll_for(subscriber, 1)), (std::vector<std::string>{"new"}));
}

TEST(MemorySubscriber, PausedPartitionDeliversNothingUntilResumed) {
    OneTopic env(2);
    Subscriber subscriber(env.broker, {.group = "g"});
    subscriber.subscribe({"t"});
    ASSERT_TRUE(subscriber.poll(10, 0ms));
    ASSERT_EQ(subscriber.assignment().size(), 2U);

    subscriber.pause({{"t", 0}});
    publish_to(env.publisher, "t", 0, "paused-1");
    publish_to(env.publisher, "t", 1, "flowing");
    publish_to(env.publisher, "t", 0, "paused-2");

    EXPECT_EQ(payloads(poll_for(subscriber, 1)), (std::vector<std::string>{"flowing"}));
    auto still_paused = subscriber.poll(10, 100ms);
    ASSERT_TRUE(still_paused);
    EXPECT_TRUE(still_paused->empty());
    EXPECT_EQ(subscriber.assignment().size(), 2U) << "pausing keeps the assignment";

    subscriber.resume({{"t", 0}});
    EXPECT_EQ(payloads(poll_for(subscriber, 2)), (std::vector<std::string>{"paused-1", "paused-2"}));
}

TEST(MemorySubscriber, PollWaitsUpToItsTimeoutWhenNothingArrives) {
    OneTopic env(1);
    Subscriber subscriber(env.broker, {.group = "g"});
    subscriber.subscribe({"t"});

    const auto start = std::chrono::steady_clock::now();
    auto result = subscriber.poll(10, 150ms);
    const auto waited = std::chrono::steady_clock::now() - start;

    ASSERT_TRUE(result);
    EXPECT_TRUE(result->empty());
    EXPECT_GE(waited, 150ms);
    EXPECT_LT(waited, 3s);
}

TEST(MemorySubscriber, PollReturnsEarlyWhenAMessageArrivesFromAnotherThread) {
    OneTopic env(1);
    Subscriber subscriber(env.broker, {.group = "g"});
    subscriber.subscribe({"t"});
    ASSERT_TRUE(subscriber.poll(10, 0ms));  // take the assignment first

    std::jthread producer([&env] {
        std::this_thread::sleep_for(50ms);  // let the poll below start waiting
        publish_to(env.publisher, "t", 0, "wake up");
    });
    const auto start = std::chrono::steady_clock::now();
    auto result = subscriber.poll(10, 20s);
    const auto waited = std::chrono::steady_clock::now() - start;

    ASSERT_TRUE(result);
    ASSERT_EQ(payloads(*result), (std::vector<std::string>{"wake up"}));
    EXPECT_LT(waited, 10s) << "poll should return as soon as the message is appended";
}

TEST(MemorySubscriber, TakesPartitionsOfATopicCreatedAfterSubscribing) {
    auto broker = std::make_shared<Broker>();
    Subscriber subscriber(broker, {.group = "g"});
    subscriber.subscribe({"later"});
    ASSERT_TRUE(subscriber.poll(1, 0ms));
    EXPECT_TRUE(subscriber.assignment().empty());

    broker->create_topic("later", 2);
    ASSERT_TRUE(subscriber.poll(1, 0ms));

    EXPECT_EQ(subscriber.assignment(), (std::vector<TopicPartition>{{"later", 0}, {"later", 1}}));
}

TEST(MemorySubscriber, CreatesSubscribedTopicsWhenAutoCreateIsOn) {
    auto broker = std::make_shared<Broker>(BrokerOptions{.auto_create_partitions = 2});
    Subscriber subscriber(broker, {.group = "g"});
    subscriber.subscribe({"auto"});
    ASSERT_TRUE(subscriber.poll(1, 0ms));
    EXPECT_EQ(broker->partition_count("auto"), 2);
    EXPECT_EQ(subscriber.assignment().size(), 2U);
}

TEST(MemorySubscriber, ReportsAnAssignmentBeforeReturningMessagesOfIt) {
    OneTopic env(2);
    publish_to(env.publisher, "t", 1, "x");
    Subscriber subscriber(env.broker, {.group = "g"});
    std::vector<RebalanceEvent> events;
    std::size_t messages_before_assigned = 0;
    std::size_t delivered = 0;
    subscriber.on_rebalance([&](const RebalanceEvent& e) {
        events.push_back(e);
        messages_before_assigned = delivered;
    });
    subscriber.subscribe({"t"});

    delivered = poll_for(subscriber, 1).size();

    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, RebalanceEvent::Kind::assigned);
    EXPECT_EQ(events[0].partitions, (std::vector<TopicPartition>{{"t", 0}, {"t", 1}}));
    EXPECT_EQ(messages_before_assigned, 0U);
    EXPECT_EQ(delivered, 1U);
}
