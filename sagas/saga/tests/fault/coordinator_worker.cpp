// A saga coordinator process for the kill -9 test: the reply Router (with the inbox) and the
// timeout sweeper of the example PlaceOrder saga, until SIGTERM or SIGKILL.
// usage: saga_coordinator_worker DSN BOOTSTRAP GROUP LISTING_COMMANDS PRODUCT_COMMANDS
//                                LISTING_REPLIES PRODUCT_REPLIES

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/core/logging.hpp"
#include "courier/saga/timeout_sweeper.hpp"
#include "example_saga.hpp"
#include "kafka_support.hpp"

namespace {

std::atomic<bool> stop_requested{false};
void request_stop(int) { stop_requested.store(true); }

}  // namespace

int main(int argc, char** argv) {
    using namespace courier;
    using namespace courier::saga;
    using namespace courier::saga::testing;
    if (argc != 8) {
        std::cerr << "usage: saga_coordinator_worker DSN BOOTSTRAP GROUP LISTING_COMMANDS PRODUCT_COMMANDS "
                     "LISTING_REPLIES PRODUCT_REPLIES\n";
        return 2;
    }
    configure_logging();
    std::signal(SIGTERM, request_stop);
    const std::string dsn = argv[1], bootstrap = argv[2], group = argv[3];
    try {
        SagaCoordinator coordinator(SagaCoordinatorOptions{"/store/order"});
        coordinator.add(place_order(60s, 60s, 3, argv[4], argv[5]));
        pg::ConnectionPool pool(dsn, 2);
        kafka::KafkaPublisher dead_letters{kafka::KafkaPublisherOptions{kafka_properties(bootstrap)}};
        RouterThread replies(group, pool, dead_letters, bootstrap);
        coordinator.attach(replies.router(), {argv[6], argv[7]});
        TimeoutSweeperOptions sweeper_options;
        sweeper_options.dsn = dsn;
        TimeoutSweeper sweeper(sweeper_options, coordinator);
        std::jthread sweeping([&](std::stop_token stop) { sweeper.run(stop); });
        replies.start();
        std::cout << "ready" << std::endl;
        while (!stop_requested.load()) std::this_thread::sleep_for(50ms);
    } catch (const std::exception& e) {
        std::cerr << "saga_coordinator_worker: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
