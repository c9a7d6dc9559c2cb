// A coordinator killed with SIGKILL while sagas are in flight, then restarted: every saga
// still completes, and no participant applies a command twice (state lives only in PostgreSQL).

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "kafka_support.hpp"
#include "saga_test_support.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::saga;
using namespace courier::saga::testing;

namespace {

// The worker process; SIGKILLed (and reaped) when destroyed if still running.
class Worker {
public:
    explicit Worker(const std::vector<std::string>& args) {
        std::vector<char*> argv;
        std::string program = COURIER_SAGA_WORKER;
        argv.push_back(program.data());
        std::vector<std::string> copies = args;
        for (auto& a : copies) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            execv(program.c_str(), argv.data());
            _exit(127);
        }
    }
    ~Worker() { kill_now(); }
    void kill_now() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
};

}  // namespace

TEST(SagaCoordinatorFault, AKilledCoordinatorResumesEverySagaFromTheDatabaseWithNoCommandAppliedTwice) {
    SagaDatabase db;
    {
        auto c = db.connect();
        c.exec_script(
            "CREATE TABLE effects (id bigserial PRIMARY KEY, saga_id text NOT NULL, command text NOT NULL)");
    }
    const auto bootstrap = courier::testing::kafka_bootstrap();
    kafka::KafkaAdmin admin{kafka_properties()};
    const auto listing_commands = courier::testing::unique_name("store.listing.commands");
    const auto product_commands = courier::testing::unique_name("store.product.commands");
    const auto listing_replies = courier::testing::unique_name("store.listing.replies");
    const auto product_replies = courier::testing::unique_name("store.product.replies");
    for (const auto& t : {listing_commands, product_commands, listing_replies, product_replies}) {
        admin.create_topic({t, 2, 1, {}});
    }
    kafka::KafkaPublisher publisher{kafka::KafkaPublisherOptions{kafka_properties()}};
    pg::ConnectionPool pool{db.dsn(), 4};
    RouterThread listing(courier::testing::unique_name("listing"), pool, publisher);
    RouterThread product(courier::testing::unique_name("product"), pool, publisher);
    listing.router().handle(
        "confirm", listing_commands, kConfirmListing,
        participant(listing_replies, kListingConfirmed, kListingRejected, "reject-listing"));
    listing.router().handle("release", listing_commands, kReleaseListing,
                            participant(listing_replies, kListingReleased, "", ""));
    product.router().handle("reserve", product_commands, kReserveStock,
                            participant(product_replies, kStockReserved, kStockRejected, "reject-stock"));
    product.router().handle("release", product_commands, kReleaseStock,
                            participant(product_replies, kStockReleased, "", ""));
    listing.start();
    product.start();
    outbox::OutboxRelayOptions ro;
    ro.dsn = db.dsn();
    ro.poll_interval = 100ms;
    ro.rebalance_interval = 200ms;
    outbox::OutboxRelay relay(ro, publisher);
    std::jthread relaying([&](std::stop_token stop) { relay.run(stop); });

    // Starting needs only the database and a coordinator object, as in the order service.
    SagaCoordinator starter(SagaCoordinatorOptions{"/store/order"});
    starter.add(place_order(60s, 60s, 3, listing_commands, product_commands));
    auto start = [&](int from, int to) {
        auto c = db.connect();
        for (int i = from; i < to; ++i) {
            pg::Transaction tx(c);
            const std::string data = i % 5 == 0 ? R"({"note": "reject-stock"})" : R"({"note": "ok"})";
            auto started = starter.start(tx, kType, "saga-" + std::to_string(i), data);
            ASSERT_TRUE(started.has_value()) << started.error().describe();
            tx.commit();
        }
    };
    auto finished = [&] {
        auto c = db.connect();
        return c
            .exec("SELECT count(*) FROM courier_saga_instance WHERE status IN ('completed', 'compensated')")
            .get<int64_t>(0, 0);
    };
    const std::string group = courier::testing::unique_name("order-saga");
    const std::vector<std::string> args{db.dsn(),         bootstrap,       group,          listing_commands,
                                        product_commands, listing_replies, product_replies};
    constexpr int kSagas = 60;
    {
        Worker first(args);
        start(0, kSagas / 2);
        ASSERT_TRUE(eventually([&] { return finished() >= 3; }, 60s))
            << "the first coordinator made progress";
        first.kill_now();
    }
    start(kSagas / 2, kSagas);  // these wait for a coordinator
    Worker second(args);
    ASSERT_TRUE(eventually([&] { return finished() == kSagas; }, 90s)) << finished() << " of " << kSagas;

    auto c = db.connect();
    auto statuses =
        c.exec("SELECT status, count(*) FROM courier_saga_instance GROUP BY status ORDER BY status");
    std::map<std::string, int64_t> by_status;
    for (const auto& row : statuses) by_status[row.get<std::string>(0)] = row.get<int64_t>(1);
    EXPECT_EQ(by_status["completed"], kSagas - kSagas / 5);
    EXPECT_EQ(by_status["compensated"], kSagas / 5);
    auto twice = c.exec(
        "SELECT saga_id, command, count(*) FROM effects GROUP BY saga_id, command HAVING count(*) > 1");
    EXPECT_EQ(twice.size(), 0) << "a command was applied twice";
    EXPECT_EQ(c.exec("SELECT count(*) FROM effects").get<int64_t>(0, 0), 2 * kSagas + kSagas / 5)
        << "confirm + reserve each, plus one listing release per rejected saga";
}
