// Outbox::enqueue and backlog against real PostgreSQL: rows in the caller's transaction,
// validation, writer locks per key, NOTIFY on commit, backlog measurements.

#include <future>

#include "courier/core/ids.hpp"
#include "courier/outbox/header_json.hpp"
#include "courier/outbox/key_routing.hpp"
#include "courier/pg/migration_runner.hpp"
#include "outbox_test_support.hpp"

using namespace courier;
using namespace courier::outbox;
using namespace courier::outbox::testing;

TEST(Outbox, WritesTheMessageWithItsHeadersPayloadAndShardIntoTheCallersTransaction) {
    OutboxDatabase db;
    auto c = db.connect();
    Message m;
    m.topic = "store.order.events";
    m.key = "order-1";
    m.payload = std::string("{\"total\":5}\x00\xff", 13);
    m.headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    m.headers.add("x-tag", "a");
    m.headers.add("x-tag", "b");
    m.headers.add("bin", std::string("\x00\x01", 2));
    m.headers.add(std::string(ce::kId), "id-1");
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, m));
        tx.commit();
    }
    auto rows = c.exec(
        "SELECT topic, key, headers, payload, shard, kafka_partition, created_at <= now() FROM "
        "courier_outbox");
    ASSERT_EQ(rows.size(), 1);
    EXPECT_EQ(rows.get<std::string>(0, "topic"), m.topic);
    EXPECT_EQ(rows.get<pg::Bytea>(0, "key").bytes, *m.key);
    EXPECT_EQ(rows.get<pg::Bytea>(0, "payload").bytes, m.payload);
    EXPECT_EQ(rows.get<int>(0, "shard"), route(m.topic, m.key).shard);
    EXPECT_TRUE(rows.is_null(0, "kafka_partition"));
    auto headers = decode_headers(rows.get<std::string>(0, "headers"));
    ASSERT_TRUE(headers) << headers.error().describe();
    EXPECT_EQ(*headers, m.headers) << "order, repeats and binary values kept; ce_id not stamped twice";
}

TEST(Outbox, LeavesNoRowWhenTheTransactionRollsBack) {
    OutboxDatabase db;
    auto c = db.connect();
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "k", 1)));
        ASSERT_TRUE(
            Outbox().enqueue(tx, std::vector<Message>{sequenced("t", "k", 2), sequenced("t", "k", 3)}));
        tx.rollback();
    }
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "k", 4)));
    }  // destroyed without commit: rolled back
    EXPECT_EQ(db.rows(), 0);
}

TEST(Outbox, RunsTheValidatorFirstAndWritesNothingOfABatchWithAnInvalidMessage) {
    OutboxDatabase db;
    auto c = db.connect();
    std::atomic<int> calls{0};
    Outbox outbox({.validate = [&](const Message& m) -> Result<void> {
        ++calls;
        if (m.payload == "bad") return Error::poison("schema.invalid", "payload 'bad' does not match");
        return {};
    }});
    pg::Transaction tx(c);
    auto refused = outbox.enqueue(tx, std::vector<Message>{sequenced("t", "k", 1), [] {
                                                               auto m = sequenced("t", "k", 2);
                                                               m.payload = "bad";
                                                               return m;
                                                           }()});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "schema.invalid");
    EXPECT_EQ(calls.load(), 2);
    EXPECT_EQ(tx.exec("SELECT count(*) FROM courier_outbox").get<int64_t>(0, 0), 0)
        << "the transaction stays usable";
    ASSERT_TRUE(outbox.enqueue(tx, sequenced("t", "k", 3)));
    tx.commit();
    EXPECT_EQ(db.rows(), 1);
}

TEST(Outbox, RefusesAMessageWithoutATopicAndATransactionThatIsOver) {
    OutboxDatabase db;
    auto c = db.connect();
    pg::Transaction tx(c);
    Message no_topic;
    auto refused = Outbox().enqueue(tx, no_topic);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "outbox.invalid");
    tx.commit();
    auto late = Outbox().enqueue(tx, sequenced("t", "k", 1));
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, "outbox.invalid");
}

TEST(Outbox, StampsACeIdOnAMessageWithoutOneAndKeepsAnExistingOne) {
    OutboxDatabase db;
    auto c = db.connect();
    Message bare;
    bare.topic = "t";
    bare.payload = "x";
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, std::vector<Message>{bare, bare, sequenced("t", "k", 1)}));
        tx.commit();
    }
    auto rows = c.exec("SELECT headers FROM courier_outbox ORDER BY id");
    ASSERT_EQ(rows.size(), 3);
    std::set<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        auto headers = decode_headers(rows.get<std::string>(i, 0));
        ASSERT_TRUE(headers);
        ASSERT_EQ(headers->get_all(ce::kId).size(), 1u) << rows.get<std::string>(i, 0);
        EXPECT_TRUE(is_uuid(*headers->get(ce::kId)));
        ids.emplace(*headers->get(ce::kId));
    }
    EXPECT_EQ(ids.size(), 3u) << "each stamped id is new";

    c.exec("DELETE FROM courier_outbox");
    pg::Transaction tx(c);
    OutboxOptions no_stamp;
    no_stamp.stamp_missing_id = false;
    ASSERT_TRUE(Outbox(no_stamp).enqueue(tx, bare));
    tx.commit();
    EXPECT_EQ(c.exec("SELECT headers::text FROM courier_outbox").get<std::string>(0, 0), "[]");
}

TEST(Outbox, KeepsVectorOrderInIdsAcrossStatementChunks) {
    OutboxDatabase db;
    auto c = db.connect();
    std::vector<Message> messages;
    for (int i = 1; i <= 2500; ++i) messages.push_back(sequenced("t", "key-" + std::to_string(i % 7), i));
    pg::Transaction tx(c);
    ASSERT_TRUE(Outbox().enqueue(tx, messages));
    tx.commit();
    auto rows = c.exec("SELECT convert_from(payload, 'UTF8')::int FROM courier_outbox ORDER BY id");
    ASSERT_EQ(rows.size(), 2500);
    for (int i = 0; i < rows.size(); ++i) ASSERT_EQ(rows.get<int>(i, 0), i + 1);
}

TEST(Outbox, NotifiesListenersOnlyWhenTheTransactionCommits) {
    OutboxDatabase db;
    auto listener = db.connect();
    listener.listen(kChannel);
    auto c = db.connect();
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "k", 1)));
        tx.rollback();
    }
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "k", 2)));
        ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "k", 3)));
        EXPECT_FALSE(listener.wait_for_notification(0ms)) << "nothing before COMMIT";
        tx.commit();
    }
    auto notification = listener.wait_for_notification(5000ms);
    ASSERT_TRUE(notification) << "the committed transaction notifies";
    EXPECT_EQ(notification->channel, kChannel);
    EXPECT_FALSE(listener.wait_for_notification(200ms))
        << "one notification per transaction, none for the rollback";
}

TEST(Outbox, SkipsTheNotifyInASessionThatTurnedItOff) {
    OutboxDatabase db;
    auto listener = db.connect();
    listener.listen(kChannel);
    auto c = db.connect();
    c.exec("SET courier.outbox_notify = 'off'");
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "k", 1)));
        tx.commit();
    }
    EXPECT_FALSE(listener.wait_for_notification(300ms))
        << "a busy writer may leave waking the relay to its poll";
    EXPECT_EQ(db.rows(), 1);
    c.exec("RESET courier.outbox_notify");
    {
        pg::Transaction tx(c);
        ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "k", 2)));
        tx.commit();
    }
    EXPECT_TRUE(listener.wait_for_notification(5000ms));
}

TEST(Outbox, MakesASecondWriterOfTheSameKeyWaitUntilTheFirstCommits) {
    OutboxDatabase db;
    auto first = db.connect();
    auto observer = db.connect();
    pg::Transaction tx(first);
    ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "hot", 1)));

    auto second = std::async(std::launch::async, [&] {
        auto c = db.connect();
        pg::Transaction other(c);
        auto done = Outbox().enqueue(other, sequenced("t", "hot", 2));
        other.commit();
        return done.has_value();
    });
    // The second writer shows up waiting for the key's advisory lock.
    ASSERT_TRUE(eventually(
        [&] {
            return observer
                       .exec(
                           "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
                           "classid = $1::bigint::oid",
                           {kKeyLockClass})
                       .get<int64_t>(0, 0) == 1;
        },
        10000ms));
    EXPECT_EQ(second.wait_for(0ms), std::future_status::timeout);
    tx.commit();
    ASSERT_TRUE(second.get());
    auto rows = observer.exec("SELECT convert_from(payload, 'UTF8')::int FROM courier_outbox ORDER BY id");
    ASSERT_EQ(rows.size(), 2);
    EXPECT_EQ(rows.get<int>(0, 0), 1) << "the first committer has the smaller id";
    EXPECT_EQ(rows.get<int>(1, 0), 2);
}

TEST(Outbox, LetsWritersOfOtherKeysAndKeylessMessagesProceedMeanwhile) {
    OutboxDatabase db;
    auto first = db.connect();
    pg::Transaction tx(first);
    ASSERT_TRUE(Outbox().enqueue(tx, sequenced("t", "hot", 1)));
    auto other = std::async(std::launch::async, [&] {
        auto c = db.connect();
        pg::Transaction t(c);
        Message keyless;
        keyless.topic = "t";
        keyless.payload = "x";
        bool ok = Outbox().enqueue(t, sequenced("t", "cold", 1)).has_value() &&
                  Outbox().enqueue(t, keyless).has_value();
        t.commit();
        return ok;
    });
    ASSERT_EQ(other.wait_for(10s), std::future_status::ready) << "another key does not wait for 'hot'";
    EXPECT_TRUE(other.get());
    tx.commit();
    EXPECT_EQ(db.rows(), 3);
}

TEST(Outbox, ReportsTheBacklogExactlyBelowTheLimitAndAsAnEstimateAboveIt) {
    OutboxDatabase db;
    auto c = db.connect();
    auto empty = Outbox::backlog(c);
    ASSERT_TRUE(empty) << empty.error().describe();
    EXPECT_EQ(empty->rows, 0);
    EXPECT_TRUE(empty->exact);
    EXPECT_EQ(empty->oldest_age.count(), 0);

    c.exec(
        "INSERT INTO courier_outbox (shard, topic, payload, created_at) "
        "SELECT g % 16, 't', 'x', clock_timestamp() - interval '3 seconds' FROM generate_series(1, 5) g");
    auto few = Outbox::backlog(c);
    ASSERT_TRUE(few);
    EXPECT_EQ(few->rows, 5);
    EXPECT_TRUE(few->exact);
    EXPECT_GE(few->oldest_age, 3000ms);
    EXPECT_LT(few->oldest_age, 60000ms);

    c.exec(
        "INSERT INTO courier_outbox (shard, topic, payload) SELECT g % 16, 't', 'x' FROM generate_series(1, "
        "30000) g");
    c.exec("ANALYZE courier_outbox");
    auto many = Outbox::backlog(c);
    ASSERT_TRUE(many);
    EXPECT_FALSE(many->exact);
    EXPECT_GT(many->rows, 30005 * 8 / 10);
    EXPECT_LT(many->rows, 30005 * 12 / 10);
}

TEST(Outbox, InstallsItsMigrationsIdempotently) {
    OutboxDatabase db;  // installed once already
    auto c = db.connect();
    install(c);
    auto report = pg::MigrationRunner(c).apply(kComponent, migrations());
    EXPECT_TRUE(report.applied.empty());
    EXPECT_EQ(report.skipped, std::vector<int>{1});
}
