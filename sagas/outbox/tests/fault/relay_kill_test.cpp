// kill -9 relay processes — right between the broker's acknowledgement and the DELETE, and at
// random moments, one of two relays at a time — while a service keeps writing. Every message
// must arrive at least once, and a consumer that drops duplicates by ce_id must see every key in
// order.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <random>

#include "outbox_test_support.hpp"

extern char** environ;

using namespace courier;
using namespace courier::outbox;
using namespace courier::outbox::testing;

namespace {

class RelayProcess {
public:
    RelayProcess(const std::string& dsn, const std::string& name, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{COURIER_OUTBOX_RELAY_WORKER, courier::testing::kafka_bootstrap(), dsn,
                                      name};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
            throw std::runtime_error("cannot start " + args[0]);
        }
    }
    RelayProcess(const RelayProcess&) = delete;
    RelayProcess& operator=(const RelayProcess&) = delete;
    ~RelayProcess() {
        if (pid_ > 0) kill9();
    }
    void kill9() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    /// The raw wait status once the process has ended by itself within `limit`, else -1.
    int wait_for_exit(std::chrono::milliseconds limit) {
        int status = -1;
        eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
        if (status != -1) pid_ = -1;
        return status;
    }
    /// SIGTERM, then the exit code (or -1 if it did not exit within `limit`).
    int terminate(std::chrono::milliseconds limit) {
        ::kill(pid_, SIGTERM);
        const int status = wait_for_exit(limit);
        return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
};

}  // namespace

TEST(OutboxRelayFault, KillNineBetweenPublishAndDeleteDuplicatesButNeverLosesOrReorders) {
    OutboxDatabase db;
    const auto topic = create_topic("outbox-kill", 4);
    const int kTransactions = 600, kPerTransaction = 20;  // 12,000 messages, 37 keys

    std::map<std::string, int64_t> expected;
    std::atomic<bool> written{false};
    std::jthread writer([&] {
        auto c = db.connect();
        for (int t = 0; t < kTransactions; ++t) {
            std::vector<Message> messages;
            for (int i = 0; i < kPerTransaction; ++i) {
                const std::string key = "order-" + std::to_string((t * kPerTransaction + i) % 37);
                messages.push_back(sequenced(topic, key, ++expected[key]));
            }
            pg::Transaction tx(c);
            ASSERT_TRUE(Outbox().enqueue(tx, messages));
            tx.commit();
            std::this_thread::sleep_for(10ms);  // a steady stream over a few seconds of kills
        }
        written = true;
    });
    auto published_rows = [&] {
        auto c = db.connect();
        return c.exec("SELECT last_value FROM courier_outbox_id_seq").get<int64_t>(0, 0) -
               c.exec("SELECT count(*) FROM courier_outbox").get<int64_t>(0, 0);
    };

    // 1. A relay that kills itself after its third acknowledged batch, before deleting it.
    {
        RelayProcess relay(db.dsn(), "suicidal", {"--die-after-batches", "3", "--batch-size", "100"});
        const int status = relay.wait_for_exit(60s);
        ASSERT_NE(status, -1) << "the relay reached its third batch";
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    }
    // 2. Two relays sharing the shards; each is killed at a random moment.
    std::mt19937 random(20261122);  // seeded: the same schedule every run
    std::uniform_int_distribution<int> pause_ms(100, 600);
    for (int round = 0; round < 2; ++round) {
        RelayProcess a(db.dsn(), "a" + std::to_string(round));
        RelayProcess b(db.dsn(), "b" + std::to_string(round));
        const auto before = published_rows();
        ASSERT_TRUE(eventually([&] { return published_rows() > before + 200; }, 60s)) << "round " << round;
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
        a.kill9();
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
        b.kill9();
    }
    // 3. Once more the acknowledged-but-not-deleted window, with a larger batch.
    {
        RelayProcess relay(db.dsn(), "suicidal-again", {"--die-after-batches", "2", "--batch-size", "500"});
        EXPECT_NE(relay.wait_for_exit(60s), -1);
    }
    // 4. A last relay drains everything and stops cleanly on SIGTERM.
    RelayProcess last(db.dsn(), "last");
    ASSERT_TRUE(eventually([&] { return written.load() && db.rows() == 0; }, 180s));
    EXPECT_EQ(last.terminate(30s), 0) << "SIGTERM: finish the batch, delete, release, exit 0";
    writer.join();

    const std::size_t total = kTransactions * kPerTransaction;
    auto received = read_topic(
        topic, [&](const auto& m) { return distinct_ids(m) >= total; }, 120s);
    EXPECT_EQ(distinct_ids(received), total) << "every ce_id arrived at least once";
    const auto seen = first_occurrences(received);
    expect_each_key_in_sequence(seen, expected);
    EXPECT_GT(seen.duplicates, 0u) << "the kills between acknowledgement and DELETE left duplicates to drop";
    std::cerr << "received " << received.size() << " messages for " << total << " rows (" << seen.duplicates
              << " duplicates)\n";
}
