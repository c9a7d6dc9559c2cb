// An outbox relay process for fault tests: relays until SIGTERM/SIGINT (graceful: finish the
// batch in flight, delete what was acknowledged, exit 0) or until it is killed. With
// --die-after-batches N it sends itself SIGKILL right after the broker acknowledged its N-th
// batch and before that batch's rows are deleted: the window a crash duplicates messages in.
//
//   outbox_relay_worker BROKERS DSN NAME [--die-after-batches N] [--batch-size N]

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stop_token>
#include <string>
#include <thread>

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/core/logging.hpp"
#include "courier/outbox/outbox_relay.hpp"

namespace {
std::atomic<bool> stop_requested{false};
void on_signal(int) { stop_requested.store(true); }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s BROKERS DSN NAME [--die-after-batches N] [--batch-size N]\n",
                     argv[0]);
        return 2;
    }
    courier::configure_logging();
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    long die_after = 0;
    std::size_t batch_size = 200;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--die-after-batches") == 0) {
            die_after = std::atol(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--batch-size") == 0) {
            batch_size = static_cast<std::size_t>(std::atol(argv[i + 1]));
        } else {
            std::fprintf(stderr, "outbox_relay_worker: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    try {
        courier::broker::kafka::KafkaPublisherOptions publisher_options;
        publisher_options.properties.set("bootstrap.servers", argv[1]);
        publisher_options.properties.set("linger.ms", "2");
        courier::broker::kafka::KafkaPublisher publisher(publisher_options);

        courier::outbox::OutboxRelayOptions options;
        options.dsn = argv[2];
        options.name = argv[3];
        options.batch_size = batch_size;
        options.poll_interval = std::chrono::milliseconds(200);
        options.rebalance_interval = std::chrono::milliseconds(200);
        options.initial_backoff = std::chrono::milliseconds(50);
        options.max_backoff = std::chrono::milliseconds(1000);
        std::atomic<long> batches{0};
        if (die_after > 0) {
            options.after_acknowledged = [&](std::size_t acknowledged) {
                if (acknowledged > 0 && ++batches == die_after) ::raise(SIGKILL);
            };
        }
        courier::outbox::OutboxRelay relay(options, publisher);
        std::stop_source stop;
        std::jthread watcher([&stop](std::stop_token own) {
            while (!own.stop_requested() && !stop_requested.load())
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            stop.request_stop();
        });
        relay.run(stop.get_token());
        const auto s = relay.stats();
        std::fprintf(stderr, "outbox_relay_worker %s: stopped cleanly after %llu published, %llu failed\n",
                     argv[3], static_cast<unsigned long long>(s.published),
                     static_cast<unsigned long long>(s.failed));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "outbox_relay_worker: %s\n", e.what());
        return 1;
    }
}
