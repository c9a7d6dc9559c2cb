#include <algorithm>
#include <map>
#include <set>

#include "conformance.hpp"
#include "courier/core/errors.hpp"
#include "courier/testing/environment.hpp"

namespace courier::broker::conformance {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Message make(const std::string& topic, std::optional<std::string> key, std::string payload, int32_t partition = -1) {
    Message m;
    m.topic = topic;
    m.key = std::move(key);
    m.payload = std::move(payload);
    m.partition = partition;
    return m;
}

std::vector<DeliveryReport> publish_all(Publisher& publisher, std::vector<Message> messages) {
    std::vector<std::future<DeliveryReport>> futures;
    for (auto& m : messages) futures.push_back(publisher.publish(std::move(m)));
    std::vector<DeliveryReport> reports;
    for (auto& f : futures) reports.push_back(f.get());
    return reports;
}

// Polls until `count` messages arrived or `patience` ran out; marks each done.
std::vector<Message> consume(Subscriber& subscriber, std::size_t count, std::chrono::milliseconds patience) {
    std::vector<Message> received;
    auto deadline = Clock::now() + patience;
    while (received.size() < count && Clock::now() < deadline) {
        auto batch = subscriber.poll(count - received.size(), 200ms);
        if (!batch) continue;  // transient errors (e.g. a rebalance in progress): poll again
        for (auto& m : *batch) {
            subscriber.mark_done(m);
            received.push_back(std::move(m));
        }
    }
    return received;
}

std::set<TopicPartition> owned(const Subscriber& s) {
    auto a = s.assignment();
    return {a.begin(), a.end()};
}

// Drives both members' polls (each must poll to take part in a rebalance) until `done` holds.
template <typename Condition>
bool poll_both_until(Subscriber& a, Subscriber& b, std::chrono::milliseconds patience, Condition done,
                     std::vector<Message>* sink = nullptr) {
    auto deadline = Clock::now() + patience;
    while (Clock::now() < deadline) {
        for (Subscriber* s : {&a, &b}) {
            if (auto batch = s->poll(100, 100ms); batch && sink) {
                for (auto& m : *batch) sink->push_back(std::move(m));
            }
        }
        if (done()) return true;
    }
    return false;
}

}  // namespace

TEST_P(PubSubConformance, DeliversMessagesOfOneKeyInPublishOrderOnOnePartition) {
    auto topic = testing::unique_name("order");
    broker_->create_topic(topic, 3);
    auto publisher = broker_->publisher();
    std::vector<Message> messages;
    for (int i = 0; i < 40; ++i) {
        for (std::string key : {"alpha", "beta", "gamma"}) messages.push_back(make(topic, key, key + ":" + std::to_string(i)));
    }
    publish_all(*publisher, messages);

    auto subscriber = broker_->subscriber(testing::unique_name("g"));
    subscriber->subscribe({topic});
    auto received = consume(*subscriber, messages.size(), broker_->patience());
    ASSERT_EQ(received.size(), messages.size());

    std::map<std::string, std::vector<std::string>> by_key;
    std::map<std::string, std::set<int32_t>> partitions_of_key;
    for (const auto& m : received) {
        by_key[*m.key].push_back(m.payload);
        partitions_of_key[*m.key].insert(m.metadata->partition);
    }
    for (std::string key : {"alpha", "beta", "gamma"}) {
        ASSERT_EQ(by_key[key].size(), 40u) << key;
        for (int i = 0; i < 40; ++i) EXPECT_EQ(by_key[key][static_cast<std::size_t>(i)], key + ":" + std::to_string(i));
        EXPECT_EQ(partitions_of_key[key].size(), 1u) << "every message of key " << key << " on one partition";
    }
}

TEST_P(PubSubConformance, RoundTripsHeadersKeysAndBinaryPayloads) {
    auto topic = testing::unique_name("headers");
    broker_->create_topic(topic, 1);
    auto publisher = broker_->publisher();
    std::string binary("\x00\x01\xfe\xff payload", 12);
    auto keyed = make(topic, std::string("k\x00y", 3), binary);
    keyed.headers.add("ce_id", "id-1");
    keyed.headers.add("repeated", "first");
    keyed.headers.add("bin", std::string("\x00\xff", 2));
    keyed.headers.add("repeated", "second");
    keyed.headers.add("empty", "");
    auto unkeyed = make(topic, std::nullopt, "");
    auto reports = publish_all(*publisher, {keyed, unkeyed});
    EXPECT_EQ(reports[0].topic, topic);
    EXPECT_EQ(reports[0].partition, 0);
    EXPECT_EQ(reports[1].offset, reports[0].offset + 1);

    auto group = testing::unique_name("g");
    auto subscriber = broker_->subscriber(group);
    subscriber->subscribe({topic});
    auto received = consume(*subscriber, 2, broker_->patience());
    ASSERT_EQ(received.size(), 2u);
    const auto& got = received[0];
    EXPECT_EQ(got.topic, topic);
    EXPECT_EQ(got.key, keyed.key);
    EXPECT_EQ(got.payload, binary);
    EXPECT_EQ(got.headers, keyed.headers) << "names, values, order and repeats are kept";
    ASSERT_TRUE(got.metadata.has_value());
    EXPECT_EQ(got.metadata->offset, reports[0].offset);
    EXPECT_EQ(got.metadata->group, group);
    EXPECT_GT(got.metadata->timestamp_ms, 0);
    EXPECT_FALSE(received[1].key.has_value()) << "a null key stays null, not empty";
    EXPECT_TRUE(received[1].payload.empty());
    EXPECT_TRUE(received[1].headers.empty());
}

TEST_P(PubSubConformance, ResumesFromTheCommittedOffsetAfterARestart) {
    auto topic = testing::unique_name("resume");
    broker_->create_topic(topic, 1);
    auto publisher = broker_->publisher();
    std::vector<Message> messages;
    for (int i = 0; i < 10; ++i) messages.push_back(make(topic, "k", std::to_string(i)));
    publish_all(*publisher, messages);
    auto group = testing::unique_name("g");
    {
        auto first = broker_->subscriber(group);
        first->subscribe({topic});
        std::size_t done = 0;
        auto deadline = Clock::now() + broker_->patience();
        while (done < 4 && Clock::now() < deadline) {
            auto batch = first->poll(1, 200ms);
            if (!batch) continue;
            for (auto& m : *batch) {
                first->mark_done(m);  // processed 0..3 only; 4.. were maybe fetched, never marked
                ++done;
            }
        }
        ASSERT_EQ(done, 4u);
        auto committed = first->commit();
        ASSERT_TRUE(committed) << committed.error().describe();
        first->close();
    }
    auto second = broker_->subscriber(group);
    second->subscribe({topic});
    auto rest = consume(*second, 6, broker_->patience());
    ASSERT_EQ(rest.size(), 6u);
    EXPECT_EQ(rest.front().payload, "4") << "the first unmarked message comes first after a restart";
    EXPECT_EQ(rest.back().payload, "9");
}

TEST_P(PubSubConformance, AGroupOfTwoSharesPartitionsAndTheSurvivorTakesOverOnLeave) {
    auto topic = testing::unique_name("share");
    broker_->create_topic(topic, 4);
    auto group = testing::unique_name("g");
    auto a = broker_->subscriber(group);
    auto b = broker_->subscriber(group);
    a->subscribe({topic});
    b->subscribe({topic});
    bool shared = poll_both_until(*a, *b, broker_->patience(), [&] {
        auto oa = owned(*a), ob = owned(*b);
        std::set<TopicPartition> all(oa.begin(), oa.end());
        all.insert(ob.begin(), ob.end());
        return !oa.empty() && !ob.empty() && all.size() == 4 && oa.size() + ob.size() == 4;
    });
    ASSERT_TRUE(shared) << "a owns " << owned(*a).size() << ", b owns " << owned(*b).size();

    b->close();
    auto deadline = Clock::now() + broker_->patience();
    while (owned(*a).size() < 4 && Clock::now() < deadline) (void)a->poll(10, 100ms);
    ASSERT_EQ(owned(*a).size(), 4u) << "the survivor owns every partition after the other member left";

    auto publisher = broker_->publisher();
    std::vector<Message> messages;
    for (int32_t p = 0; p < 4; ++p) messages.push_back(make(topic, std::nullopt, "after-" + std::to_string(p), p));
    publish_all(*publisher, messages);
    auto received = consume(*a, 4, broker_->patience());
    std::set<int32_t> partitions;
    for (const auto& m : received) partitions.insert(m.metadata->partition);
    EXPECT_EQ(partitions.size(), 4u) << "messages of every partition reach the survivor";
}

TEST_P(PubSubConformance, APausedPartitionDeliversNothingUntilResumedAndSkipsNothing) {
    auto topic = testing::unique_name("pause");
    broker_->create_topic(topic, 2);
    auto subscriber = broker_->subscriber(testing::unique_name("g"));
    subscriber->subscribe({topic});
    auto deadline = Clock::now() + broker_->patience();
    while (owned(*subscriber).size() < 2 && Clock::now() < deadline) (void)subscriber->poll(10, 100ms);
    ASSERT_EQ(owned(*subscriber).size(), 2u);

    TopicPartition paused{topic, 0};
    subscriber->pause({paused});
    auto publisher = broker_->publisher();
    std::vector<Message> messages;
    for (int i = 0; i < 5; ++i) {
        messages.push_back(make(topic, std::nullopt, "p0-" + std::to_string(i), 0));
        messages.push_back(make(topic, std::nullopt, "p1-" + std::to_string(i), 1));
    }
    publish_all(*publisher, messages);

    auto while_paused = consume(*subscriber, 10, std::chrono::milliseconds(3000));
    for (const auto& m : while_paused) EXPECT_EQ(m.metadata->partition, 1) << "got " << m.payload << " while paused";
    EXPECT_EQ(while_paused.size(), 5u);

    subscriber->resume({paused});
    auto after = consume(*subscriber, 5, broker_->patience());
    ASSERT_EQ(after.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(after[static_cast<std::size_t>(i)].payload, "p0-" + std::to_string(i));
}

TEST_P(PubSubConformance, PublishingToAMissingTopicFailsWithAnErrorNamingIt) {
    auto topic = testing::unique_name("missing");
    auto publisher = broker_->publisher();
    try {
        publisher->publish(make(topic, "k", "v")).get();
        FAIL() << "publishing to a topic that does not exist must fail";
    } catch (const CourierError& e) {
        EXPECT_NE(std::string(e.what()).find(topic), std::string::npos) << e.what();
        EXPECT_EQ(e.kind(), ErrorKind::permanent) << e.what();
    }
}

TEST_P(PubSubConformance, CommitWithNothingMarkedIsANoOp) {
    auto topic = testing::unique_name("noop");
    broker_->create_topic(topic, 1);
    auto subscriber = broker_->subscriber(testing::unique_name("g"));
    subscriber->subscribe({topic});
    (void)subscriber->poll(1, 100ms);
    EXPECT_TRUE(subscriber->commit());
}

}  // namespace courier::broker::conformance
