// Per-key commit order with concurrent writers and two relays, read back from real Kafka.

#include <random>

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "outbox_test_support.hpp"

using namespace courier;
using namespace courier::outbox;
using namespace courier::outbox::testing;
namespace kafka = courier::broker::kafka;

namespace {

constexpr std::string_view kIdHeader = "courier-outbox-id";

kafka::KafkaPublisherOptions publisher_options() {
    kafka::KafkaPublisherOptions o;
    o.properties = kafka_properties();
    o.properties.set("linger.ms", "2");
    return o;
}

OutboxRelayOptions relay_options(const std::string& dsn, std::string name) {
    auto o = quick_relay_options(dsn, std::move(name));
    o.batch_size = 50;  // many batches, so the relays' work interleaves finely
    o.id_header = std::string(kIdHeader);
    return o;
}

// Runs `transaction` until it commits, retrying deadlocks and serialization failures as a
// service would.
template <typename Work>
void commit_with_retry(pg::Connection& c, Work work) {
    for (int attempt = 0;; ++attempt) {
        try {
            pg::Transaction tx(c);
            if (work(tx)) tx.commit();
            return;
        } catch (const pg::DatabaseError& e) {
            if (!e.retriable() || attempt > 50) throw;
        }
    }
}

// Per key, the outbox ids of first occurrences must rise: the relays published each key's rows
// in id order, and the writer lock makes id order the commit order.
void expect_ids_rise_per_key(const std::vector<Message>& messages) {
    std::set<std::string> seen;
    std::map<std::string, int64_t> last;
    for (const auto& m : messages) {
        if (!seen.insert(std::string(m.headers.get(ce::kId).value_or(""))).second) continue;
        const auto id = std::stoll(std::string(m.headers.get(kIdHeader).value_or("0")));
        auto& previous = last[m.key.value_or("")];
        EXPECT_GT(id, previous) << "key " << m.key.value_or("") << ": outbox row " << id
                                << " arrived after row " << previous;
        previous = id;
    }
}

}  // namespace

TEST(OutboxRelayOrder, EightWritersAndTwoRelaysKeepEveryKeysCommitOrder) {
    OutboxDatabase db;
    const auto topic = create_topic("outbox-order", 4);
    const int kKeys = 40, kWriters = 8, kTransactions = 150;
    {
        auto c = db.connect();
        c.exec("CREATE TABLE versions (key text PRIMARY KEY, n bigint NOT NULL)");
        c.exec("INSERT INTO versions SELECT 'order-' || g, 0 FROM generate_series(0, $1::int - 1) g",
               {kKeys});
    }
    kafka::KafkaPublisher first_publisher(publisher_options());
    kafka::KafkaPublisher second_publisher(publisher_options());
    RelayThread first(relay_options(db.dsn(), "first"), first_publisher);
    std::unique_ptr<RelayThread> second;

    std::atomic<int> committed_messages{0};
    {
        std::vector<std::jthread> writers;
        for (int w = 0; w < kWriters; ++w) {
            writers.emplace_back([&, w] {
                auto c = db.connect();
                std::mt19937 random(static_cast<unsigned>(1000 + w));
                std::uniform_int_distribution<int> pick(0, kKeys - 1), pause(0, 1500);
                for (int t = 0; t < kTransactions; ++t) {
                    // One or two aggregates per transaction, locked in key order as a service would.
                    std::set<std::string> keys{"order-" + std::to_string(pick(random))};
                    if (t % 3 == 0) keys.insert("order-" + std::to_string(pick(random)));
                    const auto sleep = std::chrono::microseconds(pause(random));
                    commit_with_retry(c, [&](pg::Transaction& tx) {
                        for (const auto& key : keys) {
                            // The state change: the aggregate's version, whose row lock orders
                            // its writers. The event carries it.
                            const auto n =
                                tx.exec("UPDATE versions SET n = n + 1 WHERE key = $1 RETURNING n", {key})
                                    .get<int64_t>(0, 0);
                            auto done = Outbox().enqueue(tx, sequenced(topic, key, n));
                            if (!done) throw pg::DatabaseError(done.error());
                        }
                        std::this_thread::sleep_for(sleep);  // widen the window between insert and commit
                        return true;
                    });
                    committed_messages += static_cast<int>(keys.size());
                }
            });
            // The second relay joins while the writers run: shards move under load.
            if (w == kWriters / 2)
                second = std::make_unique<RelayThread>(relay_options(db.dsn(), "second"), second_publisher);
        }
    }
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }, 120s));
    std::map<std::string, int64_t> expected;
    {
        auto c = db.connect();
        for (const auto& row : c.exec("SELECT key, n FROM versions WHERE n > 0")) {
            expected[row.get<std::string>(0)] = row.get<int64_t>(1);
        }
    }
    const auto total = committed_messages.load();
    auto received = read_topic(
        topic, [&](const auto& m) { return distinct_ids(m) >= static_cast<std::size_t>(total); }, 120s);
    EXPECT_EQ(distinct_ids(received), static_cast<std::size_t>(total)) << "every committed message arrived";
    const auto seen = first_occurrences(received);
    expect_each_key_in_sequence(seen, expected);
    expect_ids_rise_per_key(received);
    EXPECT_EQ(seen.duplicates, 0u) << "no failure, so no message twice, even across the shard handover";
    EXPECT_GT(first.stats().published, 0u);
    EXPECT_GT(second->stats().published, 0u) << "both relays worked";
    EXPECT_EQ(first.stats().shards_held + second->stats().shards_held, kShards);
}

TEST(OutboxRelayOrder, InsertOnlyWritersOfHotKeysArePublishedInCommitOrderWithNothingLostOrInvented) {
    OutboxDatabase db;
    const auto topic = create_topic("outbox-hot", 2);
    const int kWriters = 8, kTransactions = 120;
    const std::vector<std::string> keys{"hot-a", "hot-b", "hot-c"};
    kafka::KafkaPublisher first_publisher(publisher_options());
    kafka::KafkaPublisher second_publisher(publisher_options());
    RelayThread first(relay_options(db.dsn(), "first"), first_publisher);
    RelayThread second(relay_options(db.dsn(), "second"), second_publisher);

    std::mutex mutex;
    std::set<std::string> committed, rolled_back;
    {
        std::vector<std::jthread> writers;
        for (int w = 0; w < kWriters; ++w) {
            writers.emplace_back([&, w] {
                auto c = db.connect();
                std::mt19937 random(static_cast<unsigned>(2000 + w));
                std::uniform_int_distribution<int> pick(0, static_cast<int>(keys.size()) - 1), pause(0, 3000);
                for (int t = 0; t < kTransactions; ++t) {
                    // No aggregate row: only the outbox's writer lock orders these writers.
                    Message m =
                        sequenced(topic, keys[static_cast<std::size_t>(pick(random))], w * 100000 + t);
                    const std::string id(*m.headers.get(ce::kId));
                    pg::Transaction tx(c);
                    ASSERT_TRUE(Outbox().enqueue(tx, m));
                    std::this_thread::sleep_for(std::chrono::microseconds(pause(random)));
                    const bool keep = t % 10 != 9;
                    if (keep) {
                        tx.commit();
                    } else {
                        tx.rollback();
                    }
                    std::lock_guard lock(mutex);
                    (keep ? committed : rolled_back).insert(id);
                }
            });
        }
    }
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }, 120s));
    auto received = read_topic(
        topic, [&](const auto& m) { return distinct_ids(m) >= committed.size(); }, 120s);
    std::set<std::string> arrived;
    for (const auto& m : received) arrived.emplace(*m.headers.get(ce::kId));
    EXPECT_EQ(arrived, committed) << "exactly the committed messages, none of the rolled-back ones";
    expect_ids_rise_per_key(received);
    // Each writer's own messages of a key arrive in the order it committed them.
    std::map<std::pair<std::string, int64_t>, int64_t> last;
    std::set<std::string> seen;
    for (const auto& m : received) {
        if (!seen.insert(std::string(*m.headers.get(ce::kId))).second) continue;
        const auto value = std::stoll(m.payload);
        auto& previous = last[{*m.key, value / 100000}];
        EXPECT_GT(value % 100000 + 1, previous) << "writer " << value / 100000 << ", key " << *m.key;
        previous = value % 100000 + 1;
    }
}
