// courier dlq against real Kafka and PostgreSQL: a consumer bug sends messages to the dead-letter
// topic; after the fix, redrive puts them back and each applies exactly once.

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/cli/commands.hpp"
#include "courier/consumers/dead_letter.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/pg/migration_runner.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/temporary_database.hpp"

using namespace std::chrono_literals;
using namespace courier;
namespace kafka = courier::broker::kafka;

namespace {

struct Run {
    int code;
    std::string out, err;
};

Run dlq(std::vector<std::string> args) {
    args.push_back("-b");
    args.push_back(courier::testing::kafka_bootstrap());
    std::istringstream in;
    std::ostringstream out, err;
    int code = cli::run_dlq(args, cli::CommandIo{in, out, err, nullptr});
    return {code, out.str(), err.str()};
}

class DlqCommand : public ::testing::Test {
protected:
    void SetUp() override {
        auto c = database_.connect();
        pg::MigrationRunner(c).apply("courier.inbox", consumers::InboxStore::migrations());
        c.exec_script("CREATE TABLE balances (account text PRIMARY KEY, total bigint NOT NULL)");
        props_.set("bootstrap.servers", courier::testing::kafka_bootstrap());
        admin_.create_topic({topic_, 2, 1, {}});
        admin_.create_topic({topic_ + ".dlq", 1, 1, {}});
    }

    // Runs the consumer until `done` holds; `buggy` rejects deposits over 100 as poison.
    template <typename Condition>
    bool consume_until(bool buggy, Condition done) {
        kafka::KafkaSubscriberOptions so{props_, group_, "earliest"};
        kafka::KafkaSubscriber subscriber(so);
        consumers::RouterOptions options;
        options.group = group_;
        options.commit_interval = 50ms;
        consumers::Router router(options, subscriber, publisher_);
        router.use(consumers::middleware::inbox(pool_, inbox_));
        router.handle("deposit", topic_, "bank.deposit.v1", [buggy](consumers::Context& c) -> Result<void> {
            auto amount = std::stoll(c.message.payload);
            if (buggy && amount > 100) return Error::poison("bank.bug", "amount overflow (a bug)");
            auto r = c.transaction->try_exec(
                "INSERT INTO balances VALUES ($1, $2) ON CONFLICT (account) DO UPDATE SET total = balances.total + "
                "EXCLUDED.total",
                {*c.message.key, amount});
            if (!r) return std::move(r).error();
            return {};
        });
        std::jthread thread([&](std::stop_token stop) { router.run(stop); });
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
        return done();
    }

    int64_t total() {
        auto c = database_.connect();
        auto rows = c.exec("SELECT coalesce(sum(total), 0) FROM balances");
        return rows.get<int64_t>(0, 0);
    }

    int64_t end_of(const std::string& topic) {
        int64_t sum = 0;
        for (const auto& p : admin_.group_lag("nobody", topic)) sum += p.end;
        return sum;
    }

    void publish(const std::string& account, int amount) {
        Message m;
        m.topic = topic_;
        m.key = account;
        m.payload = std::to_string(amount);
        ce::Attributes a;
        a.type = "bank.deposit.v1";
        a.source = "/test";
        ce::stamp(m, a);
        publisher_.publish(std::move(m)).get();
    }

    courier::testing::TemporaryDatabase database_{"dlq"};
    pg::ConnectionPool pool_{database_.dsn(), 2};
    Properties props_;
    kafka::KafkaAdmin admin_{[] {
        Properties p;
        p.set("bootstrap.servers", courier::testing::kafka_bootstrap());
        return p;
    }()};
    kafka::KafkaPublisher publisher_{kafka::KafkaPublisherOptions{admin_props()}};
    std::string topic_ = courier::testing::unique_name("deposits");
    std::string group_ = courier::testing::unique_name("bank");
    consumers::InboxStore inbox_{group_};

    static Properties admin_props() {
        Properties p;
        p.set("bootstrap.servers", courier::testing::kafka_bootstrap());
        return p;
    }
};

}  // namespace

TEST_F(DlqCommand, ListShowAndRedriveRecoverMessagesABugDeadLetteredAndApplyThemOnce) {
    publish("alice", 5);
    publish("alice", 500);
    publish("bob", 700);
    publish("carol", 900);
    publish("bob", 7);
    ASSERT_TRUE(consume_until(true, [&] { return total() == 12 && end_of(topic_ + ".dlq") == 3; }));

    auto listed = dlq({"list", "-t", topic_});
    ASSERT_EQ(listed.code, 0) << listed.err;
    EXPECT_NE(listed.out.find(topic_), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("poison"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("3 dead letter(s)"), std::string::npos) << listed.out;

    auto shown = dlq({"show", "-t", topic_ + ".dlq", "-o", "0"});
    ASSERT_EQ(shown.code, 0) << shown.err;
    EXPECT_NE(shown.out.find("courier-dlq-error: bank.bug: amount overflow"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("ce_id: "), std::string::npos) << shown.out;

    auto dry = dlq({"redrive", "-t", topic_, "--dry-run"});
    ASSERT_EQ(dry.code, 0) << dry.err;
    EXPECT_NE(dry.out.find("would redrive 3 message(s) to " + topic_), std::string::npos) << dry.out;
    EXPECT_EQ(end_of(topic_), 5) << "a dry run sends nothing";

    auto none = dlq({"redrive", "-t", topic_, "--reason", "stuck"});
    ASSERT_EQ(none.code, 0) << none.err;
    EXPECT_NE(none.out.find("0 selected"), std::string::npos) << none.out;

    // The bug is fixed: redrive, twice (an operator's double click), at a bounded rate.
    ASSERT_EQ(dlq({"redrive", "-t", topic_, "--rate", "100"}).code, 0);
    ASSERT_EQ(dlq({"redrive", "-t", topic_, "--limit", "2"}).code, 0);
    EXPECT_EQ(end_of(topic_), 10);
    ASSERT_TRUE(consume_until(false, [&] { return total() == 2112; }));
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(total(), 2112) << "redriven copies keep ce_id: the second redrive changed nothing";
}

TEST_F(DlqCommand, BadInputIsRefusedClearly) {
    auto regex = dlq({"redrive", "-t", topic_, "--error", "(unclosed"});
    EXPECT_EQ(regex.code, 2);
    EXPECT_NE(regex.err.find("invalid regular expression"), std::string::npos) << regex.err;
    auto missing = dlq({"list", "-t", "no-such-topic-anywhere"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("no-such-topic-anywhere.dlq"), std::string::npos) << missing.err;
    auto nothing = dlq({"show", "-t", topic_, "-o", "42"});
    EXPECT_EQ(nothing.code, 1);
    EXPECT_NE(nothing.err.find("no message at"), std::string::npos) << nothing.err;
    EXPECT_EQ(dlq({"explode", "-t", topic_}).code, 2);
}
