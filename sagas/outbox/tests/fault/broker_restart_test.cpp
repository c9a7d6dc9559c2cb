// The broker goes away for a while (a private broker, stopped and restarted with
// scripts/kafka): rows accumulate, the relay backs off and logs, nothing is lost, and when the
// broker is back the backlog drains with every key in order.

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "fault/private_kafka.hpp"
#include "outbox_test_support.hpp"

using namespace courier;
using namespace courier::outbox;
using namespace courier::outbox::testing;
namespace kafka = courier::broker::kafka;

TEST(OutboxRelayFault, ABrokerOutageAccumulatesRowsThenTheBacklogDrainsInOrder) {
    PrivateKafka broker;
    const auto topic = create_topic("outbox-outage", 3, broker.bootstrap());
    OutboxDatabase db;

    kafka::KafkaPublisherOptions publisher_options;
    publisher_options.properties = kafka_properties(broker.bootstrap());
    publisher_options.properties.set("linger.ms", "2");
    // Short, so the outage shows up as failed publishes and the relay's backoff is exercised.
    publisher_options.properties.set("message.timeout.ms", "3000");
    publisher_options.properties.set("reconnect.backoff.max.ms", "500");
    kafka::KafkaPublisher publisher(publisher_options);
    auto options = quick_relay_options(db.dsn(), "outage");
    options.max_backoff = 1000ms;
    RelayThread relay(options, publisher);

    std::map<std::string, int64_t> expected;
    auto enqueue = [&](int count) {
        auto c = db.connect();
        for (int t = 0; t < count / 20; ++t) {
            std::vector<Message> messages;
            for (int i = 0; i < 20; ++i) {
                const std::string key = "account-" + std::to_string((t * 20 + i) % 23);
                messages.push_back(sequenced(topic, key, ++expected[key]));
            }
            pg::Transaction tx(c);
            ASSERT_TRUE(Outbox().enqueue(tx, messages));
            tx.commit();
        }
    };

    enqueue(1000);
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }, 60s)) << "the broker is up: everything goes";
    broker.stop();

    enqueue(2000);
    ASSERT_TRUE(eventually([&] { return relay.stats().failed > 0; }, 60s))
        << "publishes fail while the broker is down";
    const auto retries_then = relay.stats().retries;
    ASSERT_TRUE(eventually([&] { return relay.stats().retries >= retries_then + 3; }, 60s))
        << "and are retried";
    auto c = db.connect();
    auto backlog = Outbox::backlog(c);
    ASSERT_TRUE(backlog);
    EXPECT_EQ(backlog->rows, 2000) << "rows accumulate: none deleted without an acknowledgement";
    EXPECT_GE(backlog->oldest_age, 1000ms);
    EXPECT_FALSE(relay.stats().last_error.empty());

    broker.start();
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }, 180s))
        << "the backlog drains once the broker is back";
    auto received = read_topic(
        topic, [](const auto& m) { return distinct_ids(m) >= 3000; }, 120s, broker.bootstrap());
    EXPECT_EQ(distinct_ids(received), 3000u) << "nothing lost";
    expect_each_key_in_sequence(first_occurrences(received), expected);
    EXPECT_EQ(relay.stats().reordered, 0u);
}
