#include "courier/broker/memory/publisher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/memory/partitioner.hpp"
#include "courier/core/clock.hpp"
#include "courier/core/errors.hpp"

using courier::Message;
using courier::Result;
using courier::broker::DeliveryReport;
using courier::broker::TopicPartition;
using courier::broker::memory::Broker;
using courier::broker::memory::BrokerOptions;
using courier::broker::memory::Publisher;
using testing::HasSubstr;

namespace {

Message message_to(std::string topic, std::optional<std::string> key = std::nullopt, int32_t partition = -1) {
    Message m;
    m.topic = std::move(topic);
    m.key = std::move(key);
    m.payload = "payload";
    m.partition = partition;
    return m;
}

/// Publishes and returns the outcome the callback saw (the callback runs before publish returns).
Result<DeliveryReport> publish_now(Publisher& publisher, Message message) {
    std::optional<Result<DeliveryReport>> outcome;
    publisher.publish(std::move(message), [&](Result<DeliveryReport> r) { outcome.emplace(std::move(r)); });
    EXPECT_TRUE(outcome.has_value()) << "the callback did not run before publish() returned";
    return outcome ? std::move(*outcome)
                   : Result<DeliveryReport>(courier::Error::permanent("test", "no callback"));
}

}  // namespace

TEST(MemoryPublisher, RefusesAMissingTopicWithAPermanentErrorNamingItAndHowToCreateIt) {
    auto broker = std::make_shared<Broker>();
    Publisher publisher(broker);

    auto outcome = publish_now(publisher, message_to("store.order.events"));

    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().kind, courier::ErrorKind::permanent);
    EXPECT_EQ(outcome.error().code, "memory.unknown_topic");
    EXPECT_THAT(outcome.error().message, HasSubstr("topic 'store.order.events' does not exist"));
    EXPECT_THAT(outcome.error().message, HasSubstr("create_topic(\"store.order.events\", partitions)"));
    EXPECT_EQ(broker->partition_count("store.order.events"), 0) << "no auto-create by default";
}

TEST(MemoryPublisher, CreatesAMissingTopicWhenAutoCreateIsOn) {
    auto broker = std::make_shared<Broker>(BrokerOptions{.auto_create_partitions = 3});
    Publisher publisher(broker);

    auto outcome = publish_now(publisher, message_to("auto"));

    ASSERT_TRUE(outcome) << outcome.error().describe();
    EXPECT_EQ(broker->partition_count("auto"), 3);
}

TEST(MemoryPublisher, CallsBackOnTheCallingThreadWithPartitionAndOffset) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 1);
    Publisher publisher(broker);

    for (int64_t expected = 0; expected < 3; ++expected) {
        std::optional<std::thread::id> callback_thread;
        std::optional<DeliveryReport> report;
        publisher.publish(message_to("t"), [&](Result<DeliveryReport> r) {
            callback_thread = std::this_thread::get_id();
            ASSERT_TRUE(r);
            report = *r;
        });
        ASSERT_TRUE(report.has_value());
        EXPECT_EQ(*callback_thread, std::this_thread::get_id());
        EXPECT_EQ(report->topic, "t");
        EXPECT_EQ(report->partition, 0);
        EXPECT_EQ(report->offset, expected);
    }
    EXPECT_EQ(publisher.in_flight(), 0U);
    EXPECT_TRUE(publisher.flush(std::chrono::milliseconds(0)));
    EXPECT_EQ(broker->end_offset({"t", 0}), 3);
}

TEST(MemoryPublisher, SpreadsMessagesWithoutAKeyRoundRobinOverThePartitions) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 3);
    Publisher publisher(broker);

    std::vector<int32_t> partitions;
    for (int i = 0; i < 6; ++i) {
        auto outcome = publish_now(publisher, message_to("t"));
        ASSERT_TRUE(outcome);
        partitions.push_back(outcome->partition);
    }

    EXPECT_EQ(partitions, (std::vector<int32_t>{0, 1, 2, 0, 1, 2}));
    for (int32_t p = 0; p < 3; ++p) EXPECT_EQ(broker->end_offset({"t", p}), 2);
}

TEST(MemoryPublisher, PutsAKeyedMessageOnThePartitionKafkaWouldChoose) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 12);
    Publisher publisher(broker);

    // (murmur2("kafka") & 0x7fffffff) % 12 == 0x5067cf64 % 12 == 4, as in the Java client.
    auto kafka = publish_now(publisher, message_to("t", "kafka"));
    ASSERT_TRUE(kafka);
    EXPECT_EQ(kafka->partition, 4);

    for (const char* key : {"order-1", "order-2", "product-77", "", "21", "foobar"}) {
        const int32_t expected = courier::broker::memory::partition_for_key(key, 12);
        for (int repeat = 0; repeat < 3; ++repeat) {
            auto outcome = publish_now(publisher, message_to("t", key));
            ASSERT_TRUE(outcome);
            EXPECT_EQ(outcome->partition, expected) << "key '" << key << "'";
        }
    }
}

TEST(MemoryPublisher, HonoursAnExplicitPartitionOverTheKey) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 12);
    Publisher publisher(broker);

    auto outcome = publish_now(publisher, message_to("t", "kafka", 7));

    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->partition, 7);
    EXPECT_EQ(broker->end_offset({"t", 7}), 1);
    EXPECT_EQ(broker->end_offset({"t", 4}), 0);
}

TEST(MemoryPublisher, RefusesAnExplicitPartitionOutOfRange) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 3);
    Publisher publisher(broker);

    for (int32_t partition : {3, 100, -2}) {
        auto outcome = publish_now(publisher, message_to("t", std::nullopt, partition));
        ASSERT_FALSE(outcome);
        EXPECT_EQ(outcome.error().kind, courier::ErrorKind::permanent);
        EXPECT_EQ(outcome.error().code, "memory.unknown_partition");
        EXPECT_THAT(outcome.error().message,
                    HasSubstr("partition " + std::to_string(partition) + " of topic 't'"));
        EXPECT_THAT(outcome.error().message, HasSubstr("3 partitions"));
    }
}

TEST(MemoryPublisher, KeepsAGivenTimestampAndStampsZeroWithTheBrokerClock) {
    courier::ManualClock clock;
    auto broker = std::make_shared<Broker>(BrokerOptions{.clock = &clock});
    broker->create_topic("t", 1);
    Publisher publisher(broker);
    const int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();

    auto given = message_to("t");
    given.timestamp_ms = 1'700'000'000'000;
    ASSERT_TRUE(publish_now(publisher, given));
    ASSERT_TRUE(publish_now(publisher, message_to("t")));
    auto negative = message_to("t");
    negative.timestamp_ms = -5;
    auto refused = publish_now(publisher, negative);

    const auto stored = broker->messages("t");
    ASSERT_EQ(stored.size(), 2U);
    EXPECT_EQ(stored[0].metadata->timestamp_ms, 1'700'000'000'000);
    EXPECT_EQ(stored[1].metadata->timestamp_ms, now_ms);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "memory.invalid_timestamp");
}

TEST(MemoryPublisher, FutureOverloadRethrowsAnErrorAsCourierError) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 2);
    Publisher publisher(broker);

    EXPECT_EQ(publisher.publish(message_to("t", std::nullopt, 1)).get().partition, 1);
    auto failed = publisher.publish(message_to("missing"));
    EXPECT_THROW(failed.get(), courier::CourierError);
}

TEST(MemoryPublisher, StoresEveryMessageOnceWhenManyThreadsPublish) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 4);
    Publisher publisher(broker);
    constexpr int kThreads = 4;
    constexpr int kEach = 250;

    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&publisher, t] {
            for (int i = 0; i < kEach; ++i) {
                auto m = message_to("t", "key-" + std::to_string(t) + "-" + std::to_string(i % 10));
                publisher.publish(std::move(m), [](Result<DeliveryReport> r) { ASSERT_TRUE(r); });
            }
        });
    }
    threads.clear();  // joins

    const auto stored = broker->messages("t");
    ASSERT_EQ(stored.size(), static_cast<std::size_t>(kThreads * kEach));
    std::map<int32_t, int64_t> next_offset;
    for (const auto& m : stored) {
        EXPECT_EQ(m.metadata->offset, next_offset[m.metadata->partition]++) << "offsets are dense from 0";
    }
}

TEST(MemoryBroker, RejectsIllegalTopicNamesAndAConflictingPartitionCount) {
    Broker broker;
    EXPECT_THROW(broker.create_topic("", 1), courier::ConfigError);
    EXPECT_THROW(broker.create_topic("has space", 1), courier::ConfigError);
    EXPECT_THROW(broker.create_topic("..", 1), courier::ConfigError);
    EXPECT_THROW(broker.create_topic(std::string(250, 'x'), 1), courier::ConfigError);
    EXPECT_THROW(broker.create_topic("t", 0), courier::ConfigError);

    broker.create_topic("store.order-events_v1", 3);
    EXPECT_NO_THROW(broker.create_topic("store.order-events_v1", 3)) << "same count is a no-op";
    EXPECT_THROW(broker.create_topic("store.order-events_v1", 4), courier::ConfigError);
    EXPECT_EQ(broker.partition_count("store.order-events_v1"), 3);
}

TEST(MemoryBroker, ListsMessagesByPartitionThenOffsetWithTheirMetadata) {
    auto broker = std::make_shared<Broker>();
    broker->create_topic("t", 2);
    Publisher publisher(broker);
    for (int32_t partition : {1, 0, 1}) ASSERT_TRUE(publish_now(publisher, message_to("t", "k", partition)));

    const auto stored = broker->messages("t");

    ASSERT_EQ(stored.size(), 3U);
    std::vector<std::pair<int32_t, int64_t>> positions;
    for (const auto& m : stored) {
        ASSERT_TRUE(m.metadata.has_value());
        positions.emplace_back(m.metadata->partition, m.metadata->offset);
        EXPECT_EQ(m.key, "k");
        EXPECT_EQ(m.payload, "payload");
        EXPECT_EQ(m.metadata->group, "");
    }
    EXPECT_EQ(positions, (std::vector<std::pair<int32_t, int64_t>>{{0, 0}, {1, 0}, {1, 1}}));
    EXPECT_EQ(broker->end_offset({"t", 1}), 2);
    EXPECT_THROW((void)broker->end_offset({"t", 2}), courier::CourierError);
    EXPECT_THROW((void)broker->messages("missing"), courier::CourierError);
    EXPECT_FALSE(broker->committed("nobody", TopicPartition{"t", 0}).has_value());
}
