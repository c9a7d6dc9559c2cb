// kill -9 a consumer process at random moments while it applies deposits, restart it, and
// check every deposit is applied exactly once; then SIGTERM stops it cleanly with all committed.

#include <gtest/gtest.h>

#include <random>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/consumers/inbox_store.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/pg/migration_runner.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/temporary_database.hpp"

extern char** environ;

using namespace std::chrono_literals;
using namespace courier;
namespace kafka = courier::broker::kafka;

namespace {

class Worker {
public:
    Worker(const std::string& dsn, const std::string& topic, const std::string& group) {
        std::vector<std::string> args{COURIER_DEPOSIT_WORKER, courier::testing::kafka_bootstrap(), dsn, topic, group, "2"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
            throw std::runtime_error("cannot start " + args[0]);
        }
    }
    ~Worker() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    void kill9() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    // SIGTERM, then the exit status (or -1 if it did not exit within `limit`).
    int terminate(std::chrono::milliseconds limit) {
        ::kill(pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(20ms);
        }
        return -1;
    }

private:
    pid_t pid_ = -1;
};

}  // namespace

TEST(ConsumerFault, KillNineAtRandomMomentsThenRestartAppliesEveryMessageExactlyOnce) {
    courier::testing::TemporaryDatabase database("fault");
    {
        auto c = database.connect();
        pg::MigrationRunner(c).apply("courier.inbox", consumers::InboxStore::migrations());
        c.exec_script(
            "CREATE TABLE applied (message_id text PRIMARY KEY);"
            "CREATE TABLE balances (account text PRIMARY KEY, total bigint NOT NULL);");
    }
    Properties props;
    props.set("bootstrap.servers", courier::testing::kafka_bootstrap());
    auto topic = courier::testing::unique_name("deposits");
    auto group = courier::testing::unique_name("bank");
    kafka::KafkaAdmin admin(props);
    admin.create_topic({topic, 3, 1, {}});
    admin.create_topic({topic + ".dlq", 1, 1, {}});

    const int kMessages = 6000;
    {
        kafka::KafkaPublisher publisher(kafka::KafkaPublisherOptions{props});
        for (int i = 0; i < kMessages; ++i) {
            Message m;
            m.topic = topic;
            m.key = "acct-" + std::to_string(i % 30);
            m.payload = "1";
            ce::Attributes a;
            a.type = "bank.deposit.v1";
            a.source = "/fault";
            ce::stamp(m, a);
            publisher.publish(std::move(m), [](auto) {});
        }
        ASSERT_TRUE(publisher.flush(30s));
    }
    auto count = [&] {
        auto c = database.connect();
        return c.exec("SELECT count(*), coalesce(sum(total), 0) FROM applied, (SELECT sum(total) AS total FROM balances) b")
            .get<int64_t>(0, 0);
    };

    std::mt19937 random(20261121);  // seeded: the same schedule every run
    std::uniform_int_distribution<int> pause_ms(0, 250);
    int kills = 0;
    for (int round = 0; round < 4 && count() < kMessages; ++round) {
        Worker worker(database.dsn(), topic, group);
        // Kill it while it is applying: after it has made some progress, at a random moment.
        auto before = count();
        auto until = std::chrono::steady_clock::now() + 30s;
        while (count() < before + 100 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
        worker.kill9();
        ++kills;
    }
    Worker last(database.dsn(), topic, group);
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (count() < kMessages && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(100ms);
    EXPECT_EQ(last.terminate(20s), 0) << "SIGTERM: drain, commit, leave, exit 0";

    auto c = database.connect();
    auto rows = c.exec("SELECT (SELECT count(*) FROM applied), (SELECT coalesce(sum(total), 0) FROM balances)");
    EXPECT_EQ(rows.get<int64_t>(0, 0), kMessages) << "every message applied, after " << kills << " kill -9";
    EXPECT_EQ(rows.get<int64_t>(0, 1), kMessages) << "and none applied twice";
    int64_t lag = 0;
    for (const auto& p : admin.group_lag(group, topic)) lag += p.lag;
    EXPECT_EQ(lag, 0) << "a graceful stop commits everything it handled";
}
