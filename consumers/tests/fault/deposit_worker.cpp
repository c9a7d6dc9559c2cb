// A consumer process for fault tests: applies deposits from a topic to PostgreSQL through the
// router and the inbox, until SIGTERM/SIGINT (graceful: drain, commit, leave) or SIGKILL.
//
//   deposit_worker BROKERS DSN TOPIC GROUP [PARALLELISM]

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stop_token>
#include <thread>

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/inbox_store.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/logging.hpp"

namespace {
std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested.store(true); }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s BROKERS DSN TOPIC GROUP [PARALLELISM]\n", argv[0]);
        return 2;
    }
    courier::configure_logging();
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::string brokers = argv[1], dsn = argv[2], topic = argv[3], group = argv[4];
    std::size_t parallelism = argc > 5 ? static_cast<std::size_t>(std::atoi(argv[5])) : 1;
    try {
        courier::Properties kafka;
        kafka.set("bootstrap.servers", brokers);
        courier::broker::kafka::KafkaSubscriberOptions so{kafka, group, "earliest"};
        so.properties.set("session.timeout.ms", "6000");
        so.properties.set("heartbeat.interval.ms", "500");
        courier::broker::kafka::KafkaSubscriber subscriber(so);
        courier::broker::kafka::KafkaPublisher dead_letters(courier::broker::kafka::KafkaPublisherOptions{kafka});
        courier::pg::ConnectionPool pool(dsn, parallelism + 1);
        courier::consumers::InboxStore inbox(group);
        courier::consumers::RouterOptions options;
        options.group = group;
        options.parallelism = parallelism;
        options.commit_interval = std::chrono::milliseconds(200);
        courier::consumers::Router router(options, subscriber, dead_letters);
        router.use(courier::consumers::middleware::inbox(pool, inbox));
        router.handle("deposit", topic, "bank.deposit.v1", [](courier::consumers::Context& c) -> courier::Result<void> {
            auto applied = c.transaction->try_exec("INSERT INTO applied (message_id) VALUES ($1)", {c.event.id});
            if (!applied) return std::move(applied).error();
            auto updated = c.transaction->try_exec(
                "INSERT INTO balances (account, total) VALUES ($1, $2::bigint) "
                "ON CONFLICT (account) DO UPDATE SET total = balances.total + EXCLUDED.total",
                {*c.message.key, c.message.payload});
            if (!updated) return std::move(updated).error();
            return {};
        });
        std::stop_source stop;
        std::jthread watcher([&stop](std::stop_token own) {
            while (!own.stop_requested() && !stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
            stop.request_stop();
        });
        router.run(stop.get_token());
        auto s = router.stats();
        std::fprintf(stderr, "deposit_worker: stopped cleanly after %llu handled, %llu commits\n",
                     static_cast<unsigned long long>(s.handled), static_cast<unsigned long long>(s.commits));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "deposit_worker: %s\n", e.what());
        return 1;
    }
}
