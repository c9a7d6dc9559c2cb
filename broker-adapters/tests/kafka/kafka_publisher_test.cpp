// KafkaPublisher behaviour that needs no broker: an unreachable bootstrap address keeps every
// message in flight, which is exactly the situation backpressure and shutdown must handle.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/core/errors.hpp"

using namespace std::chrono_literals;
using courier::ErrorKind;
using courier::Message;
using courier::Result;
using courier::broker::Backpressure;
using courier::broker::DeliveryReport;
using courier::broker::kafka::KafkaPublisher;
using courier::broker::kafka::KafkaPublisherOptions;

namespace {

KafkaPublisherOptions unreachable(std::size_t max_in_flight, Backpressure mode) {
    KafkaPublisherOptions o;
    o.properties.set("bootstrap.servers", "127.0.0.1:1");
    o.properties.set("log_level", "0");
    o.max_in_flight = max_in_flight;
    o.backpressure = mode;
    o.block_timeout = 300ms;
    o.close_timeout = 200ms;
    return o;
}

Message message(int i) {
    Message m;
    m.topic = "nowhere";
    m.key = "k";
    m.payload = std::to_string(i);
    return m;
}

struct Outcomes {
    std::mutex mutex;
    std::vector<Result<DeliveryReport>> results;
    void add(Result<DeliveryReport> r) {
        std::lock_guard lock(mutex);
        results.push_back(std::move(r));
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return results.size();
    }
};

}  // namespace

TEST(KafkaPublisher, FailFastRefusesMessagesBeyondTheInFlightLimitAtOnce) {
    Outcomes outcomes;
    {
        KafkaPublisher publisher(unreachable(10, Backpressure::fail_fast));
        for (int i = 0; i < 15; ++i) publisher.publish(message(i), [&](auto r) { outcomes.add(std::move(r)); });
        EXPECT_EQ(publisher.in_flight(), 10u);
        ASSERT_EQ(outcomes.count(), 5u) << "the five over the limit complete at once";
        for (auto& r : outcomes.results) {
            ASSERT_FALSE(r);
            EXPECT_EQ(r.error().kind, ErrorKind::transient);
            EXPECT_EQ(r.error().code, "kafka._queue_full");
            EXPECT_NE(r.error().message.find("10 messages in flight"), std::string::npos) << r.error().message;
        }
    }
    EXPECT_EQ(outcomes.count(), 15u) << "closing reports every message still in flight, once";
}

TEST(KafkaPublisher, BlockModeWaitsForRoomThenFailsAfterTheBlockTimeout) {
    Outcomes outcomes;
    KafkaPublisher publisher(unreachable(2, Backpressure::block));
    publisher.publish(message(0), [&](auto r) { outcomes.add(std::move(r)); });
    publisher.publish(message(1), [&](auto r) { outcomes.add(std::move(r)); });
    auto start = std::chrono::steady_clock::now();
    publisher.publish(message(2), [&](auto r) { outcomes.add(std::move(r)); });
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms) << "the third publish waited for room";
    ASSERT_EQ(outcomes.count(), 1u);
    EXPECT_EQ(outcomes.results[0].error().code, "kafka._queue_full");
}

TEST(KafkaPublisher, ClosingWithUnacknowledgedMessagesReportsEachAsFailedExactlyOnce) {
    std::atomic<int> failures{0}, successes{0};
    {
        KafkaPublisher publisher(unreachable(1000, Backpressure::block));
        for (int i = 0; i < 100; ++i) {
            publisher.publish(message(i), [&](Result<DeliveryReport> r) { (r ? successes : failures).fetch_add(1); });
        }
        EXPECT_FALSE(publisher.flush(50ms)) << "nothing can be acknowledged without a broker";
    }
    EXPECT_EQ(failures.load(), 100);
    EXPECT_EQ(successes.load(), 0);
}

TEST(KafkaPublisher, AnInvalidPropertyIsRejectedAtConstructionWithItsName) {
    auto options = unreachable(10, Backpressure::block);
    options.properties.set("linger.ms", "soon");
    try {
        KafkaPublisher publisher(options);
        FAIL() << "expected ConfigError";
    } catch (const courier::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("linger.ms"), std::string::npos) << e.what();
    }
}
