// The relay's database session dies under it (pg_terminate_backend, as in a failover or a
// server restart): it reconnects, takes its shards again and carries on without losing or
// reordering anything.

#include "courier/broker/memory/broker.hpp"
#include "outbox_test_support.hpp"
#include "scripted_publisher.hpp"

using namespace courier;
using namespace courier::outbox;
using namespace courier::outbox::testing;

TEST(OutboxRelayReconnect, CarriesOnInOrderAfterItsDatabaseSessionIsKilledRepeatedly) {
    OutboxDatabase db;
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 3);
    ScriptedPublisher publisher(broker);
    publisher.delay_acknowledgements(5ms);  // keep batches in flight when the session dies
    auto options = quick_relay_options(db.dsn(), "reconnecting");
    options.batch_size = 100;
    RelayThread relay(options, publisher);

    std::map<std::string, int64_t> expected;
    std::atomic<bool> writing{true};
    std::jthread writer([&] {
        auto c = db.connect();
        for (int t = 0; t < 300; ++t) {
            std::vector<Message> messages;
            for (int i = 0; i < 10; ++i) {
                const std::string key = "k" + std::to_string((t * 10 + i) % 17);
                messages.push_back(sequenced("t", key, ++expected[key]));
            }
            pg::Transaction tx(c);
            ASSERT_TRUE(Outbox().enqueue(tx, messages));
            tx.commit();
            std::this_thread::sleep_for(2ms);
        }
        writing = false;
    });

    auto killer = db.connect();
    int killed = 0;
    for (int round = 0; round < 4; ++round) {
        ASSERT_TRUE(eventually([&] { return relay.stats().shards_held == kShards; }, 30s))
            << "round " << round;
        ASSERT_TRUE(
            eventually([&] { return relay.stats().published > static_cast<uint64_t>(round) * 300; }, 30s));
        killed += static_cast<int>(killer
                                       .exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                             "WHERE application_name = 'courier-outbox-relay reconnecting' "
                                             "AND datname = current_database()")
                                       .get<int64_t>(0, 0));
    }
    writer.join();
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }, 60s));
    EXPECT_EQ(killed, 4);
    EXPECT_GE(relay.stats().reconnects, 4u);
    const auto received = in_partition_order(broker->messages("t"));
    EXPECT_EQ(distinct_ids(received), 3000u) << "nothing lost";
    expect_each_key_in_sequence(first_occurrences(received), expected);
}
