// OutboxRelay against real PostgreSQL and real Kafka (and, where a broker must misbehave on
// demand, a scripted publisher over the memory broker).

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/memory/broker.hpp"
#include "courier/outbox/key_routing.hpp"
#include "outbox_test_support.hpp"
#include "scripted_publisher.hpp"

using namespace courier;
using namespace courier::outbox;
using namespace courier::outbox::testing;
namespace kafka = courier::broker::kafka;

namespace {

kafka::KafkaPublisherOptions relay_publisher_options() {
    kafka::KafkaPublisherOptions o;
    o.properties = kafka_properties();
    o.properties.set("linger.ms", "2");
    return o;
}

void enqueue_committed(const OutboxDatabase& db, const std::vector<Message>& messages) {
    auto c = db.connect();
    pg::Transaction tx(c);
    auto done = Outbox().enqueue(tx, messages);
    ASSERT_TRUE(done) << done.error().describe();
    tx.commit();
}

std::vector<Message> memory_messages(broker::memory::Broker& broker, const std::string& topic) {
    return in_partition_order(broker.messages(topic));
}

}  // namespace

TEST(OutboxRelay, PublishesNothingFromARolledBackTransaction) {
    OutboxDatabase db;
    const auto topic = create_topic("outbox-rollback", 2);
    {
        auto c = db.connect();
        pg::Transaction tx(c);
        for (int i = 1; i <= 20; ++i) ASSERT_TRUE(Outbox().enqueue(tx, sequenced(topic, "rolled-back", i)));
        tx.rollback();
    }
    enqueue_committed(db, {sequenced(topic, "marker", 1)});
    kafka::KafkaPublisher publisher(relay_publisher_options());
    RelayThread relay(quick_relay_options(db.dsn()), publisher);

    auto messages = read_topic(topic, [](const auto& m) { return !m.empty(); });
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }));
    // Whatever could still arrive would have been published in the same batch as the marker.
    messages = read_topic(
        topic, [](const auto&) { return false; }, 1500ms);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(*messages[0].key, "marker");
    EXPECT_EQ(relay.stats().published, 1u);
}

TEST(OutboxRelay, PublishesExactlyTheCommittedRowsInPerKeyOrderThenDeletesThem) {
    OutboxDatabase db;
    const auto topic = create_topic("outbox-commit", 3);
    std::vector<Message> messages;
    std::map<std::string, int64_t> expected;
    for (int i = 0; i < 600; ++i) {
        const std::string key = "order-" + std::to_string(i % 25);
        messages.push_back(sequenced(topic, key, ++expected[key]));
    }
    enqueue_committed(db, messages);
    kafka::KafkaPublisher publisher(relay_publisher_options());
    auto options = quick_relay_options(db.dsn());
    options.batch_size = 100;  // several batches, both lanes
    RelayThread relay(options, publisher);

    auto received = read_topic(topic, [](const auto& m) { return m.size() >= 600; });
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }));
    EXPECT_EQ(received.size(), 600u) << "no duplicates without a failure";
    EXPECT_EQ(distinct_ids(received), 600u);
    expect_each_key_in_sequence(first_occurrences(received), expected);
    ASSERT_TRUE(eventually([&] { return relay.stats().deleted == 600; }));
    const auto stats = relay.stats();
    EXPECT_EQ(stats.published, 600u);
    EXPECT_EQ(stats.failed, 0u);
    EXPECT_GE(stats.batches, 6u);
    EXPECT_EQ(stats.shards_held, kShards);
}

TEST(OutboxRelay, DeliversHeadersIntactIncludingTraceparentRepeatsAndBinaryValues) {
    OutboxDatabase db;
    const auto topic = create_topic("outbox-headers", 1);
    Message m = sequenced(topic, std::string("key\x00\xff", 5), 1);
    m.headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    m.headers.add("tracestate", "congo=t61rcWkgMzE");
    m.headers.add("x-repeat", "one");
    m.headers.add("x-repeat", "two");
    m.headers.add("x-binary", std::string("\x00\x01\x02\xff\xfe", 5));
    m.headers.add("x-repeat", "three");
    m.payload = std::string("\x00payload\xff", 9);
    enqueue_committed(db, {m});
    kafka::KafkaPublisher publisher(relay_publisher_options());
    RelayThread relay(quick_relay_options(db.dsn()), publisher);

    auto received = read_topic(topic, [](const auto& got) { return !got.empty(); });
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].headers, m.headers) << "same headers, same order, repeats and bytes kept";
    EXPECT_EQ(received[0].headers.get_all("x-repeat"),
              (std::vector<std::string_view>{"one", "two", "three"}));
    EXPECT_EQ(*received[0].key, *m.key);
    EXPECT_EQ(received[0].payload, m.payload);
}

TEST(OutboxRelay, WakesOnTheCommitsNotifyLongBeforeItsPollInterval) {
    OutboxDatabase db;
    const auto topic = create_topic("outbox-notify", 1);
    kafka::KafkaPublisher publisher(relay_publisher_options());
    auto options = quick_relay_options(db.dsn());
    options.poll_interval = 60s;
    RelayThread relay(options, publisher);
    ASSERT_TRUE(eventually([&] { return relay.stats().shards_held == kShards; }));
    // Let the relay's first fetch pass and go idle, so only a notification can wake it.
    std::this_thread::sleep_for(300ms);

    const auto committed = std::chrono::steady_clock::now();
    enqueue_committed(db, {sequenced(topic, "k", 1)});
    auto received = read_topic(
        topic, [](const auto& m) { return !m.empty(); }, 20s);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_LT(std::chrono::steady_clock::now() - committed, 10s) << "woken by NOTIFY, not by the 60 s poll";
}

TEST(OutboxRelay, FallsBackToItsPollWhenNoNotificationComes) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 1);
    ScriptedPublisher publisher(broker);
    RelayThread relay(quick_relay_options(db.dsn()), publisher);  // polls every 200 ms
    ASSERT_TRUE(eventually([&] { return relay.stats().shards_held == kShards; }));
    auto c = db.connect();
    c.exec("SET courier.outbox_notify = 'off'");
    pg::Transaction tx(c);
    ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "quiet", 1)));
    tx.commit();
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }, 10s));
    EXPECT_EQ(broker->messages("t").size(), 1u);
}

TEST(OutboxRelay, RetriesAFailedRowAndEveryLaterRowOfItsShardInOrder) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 3);
    ScriptedPublisher publisher(broker);
    std::vector<Message> messages;
    for (int i = 1; i <= 6; ++i) messages.push_back(sequenced("t", "retried", i));
    for (int i = 1; i <= 6; ++i) messages.push_back(sequenced("t", "other-" + std::to_string(i), 1));
    // "retried" #3 fails twice, and with it the rest of its key, as a Kafka partition fails. The
    // answers come late enough that the whole batch is out before the failure is known.
    publisher.fail(std::string(*messages[2].headers.get(ce::kId)), 2, true);
    publisher.delay_acknowledgements(30ms);
    enqueue_committed(db, messages);
    RelayThread relay(quick_relay_options(db.dsn()), publisher);

    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }));
    const auto received = memory_messages(*broker, "t");
    std::map<std::string, int64_t> expected{{"retried", 6}};
    for (int i = 1; i <= 6; ++i) expected["other-" + std::to_string(i)] = 1;
    expect_each_key_in_sequence(first_occurrences(received), expected);
    std::vector<int64_t> retried;
    for (const auto& m : received) {
        if (m.key == "retried") retried.push_back(std::stoll(m.payload));
    }
    EXPECT_EQ(retried, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}))
        << "rows before the failure were deleted, not resent";
    const auto stats = relay.stats();
    EXPECT_EQ(stats.failed, 8u) << "#3..#6 failed, twice";
    EXPECT_GE(stats.retries, 2u);
    EXPECT_EQ(stats.reordered, 0u);
    EXPECT_NE(stats.last_error.find("test.injected"), std::string::npos) << stats.last_error;
}

TEST(OutboxRelay, RepublishesTheRestOfTheShardBehindAFailureAndCountsRowsThatOvertookIt) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 1);
    ScriptedPublisher publisher(broker);
    std::vector<Message> messages;
    for (int i = 1; i <= 6; ++i) messages.push_back(sequenced("t", "gap", i));
    // Only #3 fails; #4..#6 get through, as after a librdkafka message timeout. The answer comes
    // after all six are out (a failure known at once would hold #4..#6 back instead).
    publisher.fail(std::string(*messages[2].headers.get(ce::kId)), 1, false);
    publisher.delay_acknowledgements(30ms);
    enqueue_committed(db, messages);
    RelayThread relay(quick_relay_options(db.dsn()), publisher);

    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }));
    std::vector<int64_t> sequence;
    for (const auto& m : memory_messages(*broker, "t")) sequence.push_back(std::stoll(m.payload));
    EXPECT_EQ(sequence, (std::vector<int64_t>{1, 2, 4, 5, 6, 3, 4, 5, 6}))
        << "#4..#6 were kept behind the failed #3 and come again after it: nothing lost";
    EXPECT_EQ(relay.stats().reordered, 3u) << "the relay saw #4..#6 overtake #3 and says so";
}

TEST(OutboxRelay, HoldsBackTheRestOfAShardWhenAPublishIsRefusedOnTheSpot) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 1);
    ScriptedPublisher publisher(broker);
    std::vector<Message> messages;
    for (int i = 1; i <= 6; ++i) messages.push_back(sequenced("t", "refused", i));
    publisher.refuse(std::string(*messages[2].headers.get(ce::kId)), 1);
    enqueue_committed(db, messages);
    RelayThread relay(quick_relay_options(db.dsn()), publisher);

    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }));
    std::vector<int64_t> sequence;
    for (const auto& m : memory_messages(*broker, "t")) sequence.push_back(std::stoll(m.payload));
    EXPECT_EQ(sequence, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}))
        << "#4..#6 waited for #3: no gap, no duplicate";
    EXPECT_EQ(relay.stats().failed, 1u);
    EXPECT_EQ(relay.stats().reordered, 0u);
}

TEST(OutboxRelay, KeepsAShardBehindAnUnreadableRowUntilItIsRepairedWhileOtherShardsFlow) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 1);
    ScriptedPublisher publisher(broker);
    std::vector<Message> messages;
    for (int i = 1; i <= 3; ++i) messages.push_back(sequenced("t", "stuck", i));
    // A key of another shard.
    std::string other = "other-0";
    for (int i = 1; route("t", other).shard == route("t", std::string("stuck")).shard; ++i) {
        other = "other-" + std::to_string(i);
    }
    messages.push_back(sequenced("t", other, 1));
    enqueue_committed(db, messages);
    auto c = db.connect();
    // Someone edited the first row by hand: its headers are no longer the outbox's array.
    c.exec(
        "UPDATE courier_outbox SET headers = '{\"not\": \"an array\"}' WHERE id = (SELECT min(id) FROM "
        "courier_outbox)");
    RelayThread relay(quick_relay_options(db.dsn()), publisher);

    ASSERT_TRUE(eventually([&] { return db.rows() == 3; })) << "the other shard's row went";
    ASSERT_TRUE(eventually([&] { return relay.stats().retries >= 2; })) << "the stuck shard keeps retrying";
    EXPECT_EQ(db.rows(), 3) << "nothing of the stuck shard went past its unreadable head";
    EXPECT_NE(relay.stats().last_error.find("outbox.row"), std::string::npos) << relay.stats().last_error;

    c.exec("UPDATE courier_outbox SET headers = '[]' WHERE id = (SELECT min(id) FROM courier_outbox)");
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }));
    std::vector<int64_t> stuck;
    for (const auto& m : memory_messages(*broker, "t")) {
        if (m.key == "stuck") stuck.push_back(std::stoll(m.payload));
    }
    EXPECT_EQ(stuck, (std::vector<int64_t>{1, 2, 3}));
}

TEST(OutboxRelay, StopsGracefullyDeletingWhatWasAcknowledgedAndKeepingTheRest) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 1);
    ScriptedPublisher publisher(broker);
    publisher.delay_acknowledgements(1500ms);
    std::vector<Message> messages;
    for (int i = 1; i <= 50; ++i) messages.push_back(sequenced("t", "k" + std::to_string(i % 5), i));
    enqueue_committed(db, messages);
    auto options = quick_relay_options(db.dsn());
    options.stop_timeout = 10s;
    auto relay = std::make_unique<RelayThread>(options, publisher);
    ASSERT_TRUE(eventually([&] { return publisher.attempts() == 50; }));
    relay->stop();  // acknowledgements are still 1.5 s away: the stop waits for them
    EXPECT_EQ(relay->stats().published, 50u);
    EXPECT_EQ(db.rows(), 0) << "everything acknowledged during the stop was deleted";

    // A stop that gives up before the acknowledgements deletes nothing it was not told about.
    enqueue_committed(db, {sequenced("t", "late", 1)});
    publisher.delay_acknowledgements(3000ms);
    options.stop_timeout = 100ms;
    relay = std::make_unique<RelayThread>(options, publisher);
    ASSERT_TRUE(eventually([&] { return publisher.attempts() == 51; }));
    relay->stop();
    EXPECT_EQ(db.rows(), 1) << "unacknowledged at the deadline: kept for the next run";
    ASSERT_TRUE(publisher.flush(10s));
}

TEST(OutboxRelay, SplitsTheShardsBetweenTwoRelaysAndTakesThemAllWhenOneStops) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    ScriptedPublisher publisher(broker);
    auto first = std::make_unique<RelayThread>(quick_relay_options(db.dsn(), "first"), publisher);
    ASSERT_TRUE(eventually([&] { return first->stats().shards_held == kShards; }));
    RelayThread second(quick_relay_options(db.dsn(), "second"), publisher);
    ASSERT_TRUE(
        eventually([&] { return first->stats().shards_held == 8 && second.stats().shards_held == 8; }, 20s))
        << first->stats().shards_held << " + " << second.stats().shards_held;
    first.reset();
    ASSERT_TRUE(eventually([&] { return second.stats().shards_held == kShards; }, 20s));
}
