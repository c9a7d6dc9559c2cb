// The consumer runtime against real Kafka and real PostgreSQL (started by scripts/test):
// exactly-once effects through the inbox, dead letters with provenance, database outages,
// dead-letter failures and rebalances.

#include <gtest/gtest.h>

#include <thread>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/dead_letter.hpp"
#include "courier/consumers/inbox_store.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/consumers/middleware/validation.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/pg/migration_runner.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/temporary_database.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::consumers;
namespace kafka = courier::broker::kafka;

namespace {

template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 60000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

Properties kafka_properties() {
    Properties p;
    p.set("bootstrap.servers", courier::testing::kafka_bootstrap());
    return p;
}

Message deposit(const std::string& topic, const std::string& account, int amount, std::string id = {}) {
    Message m;
    m.topic = topic;
    m.key = account;
    m.payload = std::to_string(amount);
    ce::Attributes a;
    a.id = std::move(id);
    a.type = "bank.deposit.v1";
    a.source = "/test";
    ce::stamp(m, a);
    return m;
}

// One consumer group member: a Kafka subscriber and a router with the inbox, applying deposits
// to `balances` in the handler's transaction, on its own thread.
class Member {
public:
    Member(const std::string& topic, const std::string& group, pg::ConnectionPool& pool, const InboxStore& inbox,
           broker::Publisher& dead_letters, RouterOptions options = {}) {
        kafka::KafkaSubscriberOptions so;
        so.properties = kafka_properties();
        so.properties.set("session.timeout.ms", "6000");
        so.properties.set("heartbeat.interval.ms", "500");
        so.group = group;
        subscriber_ = std::make_unique<kafka::KafkaSubscriber>(so);
        options.group = group;
        options.retry.initial_backoff = 20ms;
        options.retry.max_backoff = 200ms;
        options.commit_interval = 50ms;
        router_ = std::make_unique<Router>(options, *subscriber_, dead_letters);
        router_->use(middleware::validation([](const Message& m) -> Result<void> {
            if (m.payload.empty() || m.payload.find_first_not_of("-0123456789") != std::string::npos) {
                return Error::poison("schema.invalid", "payload '" + m.payload + "' is not an integer amount");
            }
            return {};
        }));
        router_->use(middleware::inbox(pool, inbox));
        router_->handle("deposit", topic, "bank.deposit.v1", [](Context& c) -> Result<void> {
            int amount = std::stoi(c.message.payload);
            if (amount < 0) return Error::poison("bank.rejected", "negative deposit");
            auto applied = c.transaction->try_exec("INSERT INTO applied (message_id) VALUES ($1)", {c.event.id});
            if (!applied) return std::move(applied).error();
            auto updated = c.transaction->try_exec(
                "INSERT INTO balances (account, total) VALUES ($1, $2) "
                "ON CONFLICT (account) DO UPDATE SET total = balances.total + EXCLUDED.total",
                {*c.message.key, amount});
            if (!updated) return std::move(updated).error();
            return {};
        });
    }
    void start() {
        thread_ = std::jthread([this](std::stop_token stop) { router_->run(stop); });
    }
    void stop() {
        thread_.request_stop();
        if (thread_.joinable()) thread_.join();
    }
    ~Member() { stop(); }
    Router& router() { return *router_; }

private:
    std::unique_ptr<kafka::KafkaSubscriber> subscriber_;
    std::unique_ptr<Router> router_;
    std::jthread thread_;
};

class ConsumerIntegration : public ::testing::Test {
protected:
    void SetUp() override {
        auto connection = database_.connect();
        pg::MigrationRunner(connection).apply("courier.inbox", InboxStore::migrations());
        connection.exec_script(
            "CREATE TABLE applied (message_id text PRIMARY KEY);"
            "CREATE TABLE balances (account text PRIMARY KEY, total bigint NOT NULL);");
        topic_ = courier::testing::unique_name("deposits");
        admin_.create_topic({topic_, 2, 1, {}});
    }

    void create_dead_letter_topic() { admin_.create_topic({dlq::topic_for(topic_), 1, 1, {}}); }

    void publish(Message m) { publisher_.publish(std::move(m)).get(); }

    int64_t scalar(const std::string& sql) {
        auto connection = database_.connect();
        auto rows = connection.exec(sql);
        return rows.is_null(0, 0) ? 0 : rows.get<int64_t>(0, 0);
    }
    int64_t applied() { return scalar("SELECT count(*) FROM applied"); }
    int64_t total() { return scalar("SELECT sum(total) FROM balances"); }

    std::vector<Message> read_dead_letters(std::size_t expected) {
        kafka::KafkaSubscriberOptions so;
        so.properties = kafka_properties();
        kafka::KafkaSubscriber reader(so);
        reader.assign({{dlq::topic_for(topic_), 0}}, kafka::StartPosition::beginning());
        std::vector<Message> out;
        eventually([&] {
            if (auto batch = reader.poll(100, 200ms)) {
                for (auto& m : *batch) out.push_back(std::move(m));
            }
            return out.size() >= expected;
        }, 30000ms);
        return out;
    }

    courier::testing::TemporaryDatabase database_{"consumers"};
    pg::ConnectionPool pool_{database_.dsn(), 4};
    kafka::KafkaAdmin admin_{kafka_properties()};
    kafka::KafkaPublisher publisher_{kafka::KafkaPublisherOptions{kafka_properties()}};
    std::string topic_;
    std::string group_ = courier::testing::unique_name("bank");
    InboxStore inbox_{group_};
};

}  // namespace

TEST_F(ConsumerIntegration, ADuplicateDeliveryHasExactlyOneEffect) {
    create_dead_letter_topic();
    auto original = deposit(topic_, "alice", 10);
    publish(original);
    publish(original);  // the same ce_id again, as a producer retry or a redrive would
    publish(original);
    publish(deposit(topic_, "bob", 5));
    Member member(topic_, group_, pool_, inbox_, publisher_);
    member.start();
    ASSERT_TRUE(eventually([&] { return member.router().stats().handled == 4; }));
    EXPECT_EQ(applied(), 2);
    EXPECT_EQ(total(), 15);
    EXPECT_EQ(member.router().stats().dead_lettered, 0u);
}

TEST_F(ConsumerIntegration, EveryPoisonKindIsDeadLetteredWithProvenanceWhileLaterMessagesApply) {
    create_dead_letter_topic();
    Message garbage;  // no CloudEvents headers at all
    garbage.topic = topic_;
    garbage.key = "alice";
    garbage.partition = 0;
    garbage.payload = std::string("\x00\xff\xfe", 3);
    auto unknown = deposit(topic_, "alice", 1);
    unknown.headers.set("ce_type", "bank.withdrawal.v9");
    auto invalid = deposit(topic_, "alice", 1);
    invalid.payload = "{\"amount\": \"lots\"}";
    auto rejected = deposit(topic_, "alice", -5);
    for (auto* m : {&garbage, &unknown, &invalid, &rejected}) {
        m->partition = 0;
        publish(*m);
    }
    auto good = deposit(topic_, "alice", 7);
    good.partition = 0;
    publish(good);

    Member member(topic_, group_, pool_, inbox_, publisher_);
    member.start();
    ASSERT_TRUE(eventually([&] { return total() == 7; })) << "the message after four poison ones applied";
    auto dead = read_dead_letters(4);
    ASSERT_EQ(dead.size(), 4u);
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < dead.size(); ++i) {
        const auto& h = dead[i].headers;
        EXPECT_EQ(h.get(dlq::kReason), "poison");
        EXPECT_EQ(h.get(dlq::kErrorKind), "poison");
        EXPECT_EQ(h.get(dlq::kOriginalTopic), topic_);
        EXPECT_EQ(h.get(dlq::kOriginalPartition), "0");
        EXPECT_EQ(h.get(dlq::kOriginalOffset), std::to_string(i)) << "in partition order";
        for (auto name : {dlq::kOriginalTimestamp, dlq::kGroup, dlq::kHandler, dlq::kAttempts, dlq::kFailedAt}) {
            EXPECT_TRUE(h.contains(name)) << name;
        }
        EXPECT_EQ(dead[i].key, "alice");
        errors.push_back(std::string(*h.get(dlq::kError)));
    }
    EXPECT_EQ(dead[0].payload, garbage.payload) << "bytes kept exactly";
    EXPECT_NE(errors[0].find("cloudevents.missing_id"), std::string::npos) << errors[0];
    EXPECT_NE(errors[1].find("consumer.unknown_type"), std::string::npos) << errors[1];
    EXPECT_NE(errors[2].find("schema.invalid"), std::string::npos) << errors[2];
    EXPECT_NE(errors[3].find("bank.rejected"), std::string::npos) << errors[3];
    EXPECT_EQ(applied(), 1) << "no poison message had an effect";
}

TEST_F(ConsumerIntegration, WhileTheDatabaseIsDownThePartitionWaitsAndNothingIsDeadLettered) {
    create_dead_letter_topic();
    auto admin = pg::Connection::open(courier::testing::pg_dsn());
    auto db = admin.quote_identifier(database_.name());
    admin.exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
    admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", {database_.name()});

    Member member(topic_, group_, pool_, inbox_, publisher_);
    member.start();
    for (int i = 0; i < 5; ++i) publish(deposit(topic_, "alice", 1));
    ASSERT_TRUE(eventually([&] { return member.router().stats().retried >= 3; }));
    EXPECT_EQ(member.router().stats().handled, 0u);
    EXPECT_EQ(member.router().stats().dead_lettered, 0u) << "an outage is not the message's fault";

    admin.exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
    ASSERT_TRUE(eventually([&] { return member.router().stats().handled == 5; }));
    EXPECT_EQ(total(), 5);
    EXPECT_EQ(member.router().stats().dead_lettered, 0u);
}

TEST_F(ConsumerIntegration, WhenDeadLetteringFailsTheOriginalIsNotCommitted) {
    // No <topic>.dlq exists and the broker does not auto-create topics.
    auto poison = deposit(topic_, "alice", -1);
    poison.partition = 0;
    publish(poison);
    auto good = deposit(topic_, "alice", 3);
    good.partition = 0;
    publish(good);
    // A dead-letter publisher whose own delivery timeout is shorter than the router's wait, so a
    // failed attempt is really over (no late copy) before the next one starts.
    kafka::KafkaPublisherOptions dlq_options{kafka_properties()};
    dlq_options.properties.set("message.timeout.ms", "1500");
    kafka::KafkaPublisher dead_letters(dlq_options);
    RouterOptions options;
    options.dead_letter_timeout = 5000ms;
    {
        Member member(topic_, group_, pool_, inbox_, dead_letters, options);
        member.start();
        ASSERT_TRUE(eventually([&] { return member.router().stats().dead_letter_failures >= 1; }));
        member.stop();
    }
    auto lag = admin_.group_lag(group_, topic_);
    for (const auto& p : lag) {
        if (p.partition.partition == 0) {
            EXPECT_LE(p.committed, 0) << "nothing committed past the poison message";
        }
    }
    EXPECT_EQ(total(), 0) << "the later message waits behind it";

    create_dead_letter_topic();
    Member member(topic_, group_, pool_, inbox_, dead_letters, options);
    member.start();
    ASSERT_TRUE(eventually([&] { return total() == 3; }));
    EXPECT_EQ(read_dead_letters(1).size(), 1u) << "one copy: the failed attempts left none behind";
}

TEST_F(ConsumerIntegration, ARebalanceBetweenTwoMembersUnderLoadCausesNoDuplicateEffects) {
    create_dead_letter_topic();
    admin_.create_topic({topic_ + "-wide", 4, 1, {}});
    auto topic = topic_ + "-wide";
    // Messages keep coming until told to stop, so both rebalances happen under load however
    // fast the members are.
    std::atomic<int> produced{0};
    std::atomic<bool> stop_producing{false};
    std::jthread producer([&] {
        while (!stop_producing && produced < 50000) {
            publisher_.publish(deposit(topic, "acct-" + std::to_string(produced % 40), 1), [](auto) {});
            if (++produced % 20 == 0) std::this_thread::sleep_for(5ms);
        }
        publisher_.flush(30s);
    });
    auto first = std::make_unique<Member>(topic, group_, pool_, inbox_, publisher_);
    first->start();
    ASSERT_TRUE(eventually([&] { return applied() >= 300; }));
    Member second(topic, group_, pool_, inbox_, publisher_);
    second.start();  // partitions move to the new member while messages flow
    ASSERT_TRUE(eventually([&] { return second.router().stats().handled > 0; }));
    first.reset();  // and move back when the first leaves
    auto after_leave = produced.load();
    ASSERT_TRUE(eventually([&] { return produced >= after_leave + 300; }));
    stop_producing = true;
    producer.join();
    ASSERT_TRUE(eventually([&] { return applied() == produced; }, 120000ms))
        << "applied " << applied() << " of " << produced;
    EXPECT_EQ(total(), produced) << "every deposit applied exactly once";
}

TEST_F(ConsumerIntegration, InboxRowsExpireInBoundedBatchesWithOneCleanerAtATime) {
    auto c = database_.connect();
    c.exec("INSERT INTO courier_inbox (consumer_group, message_id, topic, partition, \"offset\", received_at) "
           "SELECT $1, 'old-' || g, 't', 0, g, now() - interval '8 days' FROM generate_series(1, 12000) g",
           {group_});
    c.exec("INSERT INTO courier_inbox (consumer_group, message_id, topic, partition, \"offset\") "
           "SELECT $1, 'new-' || g, 't', 0, g FROM generate_series(1, 100) g",
           {group_});
    c.exec("INSERT INTO courier_inbox (consumer_group, message_id, topic, partition, \"offset\", received_at) "
           "SELECT 'other-group', 'old-' || g, 't', 0, g, now() - interval '8 days' FROM generate_series(1, 10) g");
    auto cutoff = std::chrono::system_clock::now() - std::chrono::hours(24 * 7);

    // Another cleaner of this group holds the lock: this one leaves at once.
    auto other = database_.connect();
    other.exec("SELECT pg_advisory_lock(hashtextextended('courier.inbox.' || $1, 0))", {group_});
    auto skipped = inbox_.expire(c, cutoff, 5000);
    ASSERT_TRUE(skipped) << skipped.error().describe();
    EXPECT_EQ(*skipped, 0u);
    other.exec("SELECT pg_advisory_unlock(hashtextextended('courier.inbox.' || $1, 0))", {group_});

    auto deleted = inbox_.expire(c, cutoff, 5000);
    ASSERT_TRUE(deleted) << deleted.error().describe();
    EXPECT_EQ(*deleted, 12000u);
    EXPECT_EQ(c.exec("SELECT count(*) FROM courier_inbox WHERE consumer_group = $1", {group_}).get<int64_t>(0, 0), 100)
        << "rows inside the window stay";
    EXPECT_EQ(scalar("SELECT count(*) FROM courier_inbox WHERE consumer_group = 'other-group'"), 10)
        << "other groups' rows are theirs to expire";
}
