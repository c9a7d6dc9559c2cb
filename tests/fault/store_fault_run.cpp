// The store under faults (issue #10): the three services over a private Kafka broker and a
// private PostgreSQL cluster, orders at a steady rate, and on a seeded schedule: kill -9 and
// restart of each service, a broker restart, a database restart, and poison injected into every
// topic the services consume (plus duplicates of real commands). Afterwards, DESIGN.md §10's
// invariants, and every poison message in its topic's dead-letter queue — and nothing else
// there. Prints a report; exit 1 on any violation, 2 on bad flags.
//
//   store_fault_run [--minutes M | --seconds S] [--rate R] [--seed N] [--kafka-port P] [--pg-port P] [--bin-dir DIR]

#include <rapidjson/document.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/range_reader.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/errors.hpp"
#include "courier/core/ids.hpp"
#include "courier/core/logging.hpp"
#include "courier/demo/store_demo.hpp"

using namespace std::chrono_literals;
using namespace courier;

namespace {

struct Flags {
    std::chrono::seconds duration{60};
    double rate = 25;
    uint64_t seed = 7;
    int kafka_port = 39192;
    int pg_port = 55532;
    /// Where courier-product, -listing and -order are; by default the build's. A long run takes
    /// copies, so a rebuild meanwhile does not swap binaries under a restart.
    std::filesystem::path bin_dir;
};

Flags parse(int argc, char** argv) {
    Flags f;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw ConfigError(a + " needs a value");
            return argv[++i];
        };
        try {
            if (a == "--minutes") f.duration = std::chrono::seconds(std::stol(value()) * 60);
            else if (a == "--seconds") f.duration = std::chrono::seconds(std::stol(value()));
            else if (a == "--rate") f.rate = std::stod(value());
            else if (a == "--seed") f.seed = std::stoull(value());
            else if (a == "--kafka-port") f.kafka_port = std::stoi(value());
            else if (a == "--pg-port") f.pg_port = std::stoi(value());
            else if (a == "--bin-dir") f.bin_dir = value();
            else throw ConfigError("unknown flag " + a);
        } catch (const std::invalid_argument&) {
            throw ConfigError(a + " needs a number");
        }
    }
    if (f.rate <= 0 || f.duration.count() <= 0) throw ConfigError("--rate and the duration must be positive");
    return f;
}

// The repository's server scripts on private ports and a private state directory.
class Servers {
public:
    Servers(const Flags& f, std::filesystem::path run_dir)
        // Every port explicitly: scripts/test exports its own broker's ports, which must not leak in.
        : env_("COURIER_RUN_DIR='" + run_dir.string() + "' COURIER_KAFKA_PORT=" + std::to_string(f.kafka_port) +
               " COURIER_KAFKA_CONTROLLER_PORT=" + std::to_string(f.kafka_port + 1) +
               " COURIER_PG_PORT=" + std::to_string(f.pg_port) + " COURIER_PG_FAST=1") {
        run("kafka", "start");
        run("postgres", "start");
    }
    ~Servers() {
        try {
            run("kafka", "stop");
            run("postgres", "stop");
        } catch (const std::exception& e) {
            std::cerr << "fault: " << e.what() << "\n";
        }
    }
    void run(const std::string& script, const std::string& action) const {
        const auto command = env_ + " bash '" + std::string(COURIER_SCRIPTS_DIR) + "/" + script + "' " + action + " >&2";
        if (std::system(command.c_str()) != 0) {
            throw CourierError(ErrorKind::permanent, "scripts/" + script + " " + action + " failed (output above)");
        }
    }

private:
    std::string env_;
};

// One poison message; `id` travels in the `fault-poison-id` header (when it has headers).
struct Poison {
    std::string topic;
    std::string kind;
    std::string id;
};

Message poison_message(const std::string& topic, const std::string& kind, const std::string& id, std::mt19937_64& rng) {
    Message m;
    m.topic = topic;
    m.key = "poison-" + id;
    auto stamp = [&](const std::string& type) {
        ce::Attributes a;
        a.type = type;
        a.source = "/fault/injector";
        a.subject = "poison-" + id;
        ce::stamp(m, a);
    };
    const std::string real_type = topic == "store.product.commands"   ? "store.product.reserve-stock.v1"
                                  : topic == "store.listing.commands" ? "store.listing.confirm-listing.v1"
                                  : topic == "store.product.events"   ? "store.product.stock-changed.v1"
                                                                      : "store.product.stock-reserved.v1";
    if (kind == "garbage") {
        std::string bytes(64 + rng() % 256, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng() & 0xff);
        m.payload = bytes;  // no headers at all: not even a CloudEvent
    } else if (kind == "invalid-json") {
        stamp(real_type);
        m.payload = R"({"order_id": "unterminated)";
    } else if (kind == "schema-invalid") {
        stamp(real_type);
        m.payload = R"({"order_id": "not-a-uuid", "items": []})";
    } else if (kind == "unknown-type") {
        stamp("store.fault.no-such-type.v1");
        m.payload = "{}";
    } else if (kind == "missing-id") {
        stamp(real_type);
        m.headers.remove(ce::kId);
        m.payload = "{}";
    } else if (kind == "oversized") {
        stamp(real_type);
        m.payload = "{\"order_id\": \"" + std::string(900 * 1024, 'x') + "\"}";  // under the broker's 1 MB
    }
    m.headers.add("fault-poison-id", id);
    return m;
}

// Which poison each consumed topic must dead-letter. The order service's reply handlers take
// every type and ignore replies without a saga id (recorded, never applied), so only messages
// that are not CloudEvents at all are poison there.
std::vector<std::string> poison_kinds(const std::string& topic) {
    if (topic.find("replies") != std::string::npos) return {"garbage", "missing-id"};
    return {"garbage", "invalid-json", "schema-invalid", "unknown-type", "missing-id", "oversized"};
}

const std::vector<std::string> kConsumed = {"store.product.commands", "store.listing.commands", "store.product.events",
                                            "store.listing.replies", "store.product.replies"};

// Every message of `topic` from the beginning to the end offsets of now.
std::vector<Message> read_all(const Properties& kafka, const std::string& topic) {
    broker::kafka::RangeReader reader(kafka, broker::kafka::RangeBounds{topic, {}, {}, {}, {}, {}});
    std::vector<Message> out;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!reader.done() && std::chrono::steady_clock::now() < deadline) {
        auto batch = reader.poll(500, 200ms);
        if (batch) out.insert(out.end(), std::make_move_iterator(batch->begin()), std::make_move_iterator(batch->end()));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    configure_logging("warn");
    Flags flags;
    try {
        flags = parse(argc, argv);
    } catch (const ConfigError& e) {
        std::cerr << "store_fault_run: " << e.what()
                  << "\nusage: store_fault_run [--minutes M | --seconds S] [--rate R] [--seed N] [--kafka-port P] [--pg-port P] [--bin-dir DIR]\n";
        return 2;
    }
    const auto run_dir = std::filesystem::path(COURIER_TEST_LOG_DIR) / ("fault-" + std::to_string(::getpid()));
    std::mt19937_64 rng(flags.seed);
    std::vector<std::string> failures;
    std::map<std::string, int> faults;
    try {
        Servers servers(flags, run_dir);
        const auto bootstrap = "127.0.0.1:" + std::to_string(flags.kafka_port);
        Properties kafka;
        kafka.set("bootstrap.servers", bootstrap);

        demo::LaunchOptions launch;
        launch.product_bin = flags.bin_dir.empty() ? COURIER_PRODUCT_BIN : flags.bin_dir / "courier-product";
        launch.listing_bin = flags.bin_dir.empty() ? COURIER_LISTING_BIN : flags.bin_dir / "courier-listing";
        launch.order_bin = flags.bin_dir.empty() ? COURIER_ORDER_BIN : flags.bin_dir / "courier-order";
        launch.bootstrap = bootstrap;
        launch.database = "postgresql://postgres@127.0.0.1:" + std::to_string(flags.pg_port) + "/postgres";
        launch.base_port = static_cast<uint16_t>(flags.kafka_port - 30000 + 20000);
        launch.log_dir = run_dir / "logs";
        launch.step_timeout = 30s;
        demo::RunningStore store(launch);
        const auto catalog = demo::seed_catalog(store.endpoints(), demo::SeedOptions{8, 1000000, "fault"});

        // Poison first (so every consumer meets it while everything else goes on), then
        // duplicates of real commands once some exist.
        std::vector<Poison> injected;
        broker::kafka::KafkaPublisher publisher(broker::kafka::KafkaPublisherOptions{kafka});
        for (const auto& topic : kConsumed) {
            for (const auto& kind : poison_kinds(topic)) {
                Poison p{topic, kind, new_uuid()};
                try {
                    publisher.publish(poison_message(topic, kind, p.id, rng)).get();
                    injected.push_back(p);
                } catch (const CourierError& e) {
                    failures.push_back("could not inject " + kind + " into " + topic + ": " + e.what());
                }
            }
        }

        std::atomic<bool> stop_chaos{false};
        std::jthread chaos([&] {
            // One fault every few seconds, in a seeded order, while orders flow.
            const std::vector<std::string> schedule = {"kill product", "kill listing", "kill order",
                                                       "restart kafka", "kill listing", "restart postgres",
                                                       "kill product", "kill order"};
            std::this_thread::sleep_for(5s);
            std::size_t step = rng() % schedule.size();
            bool duplicated = false;
            const auto chaos_end = std::chrono::steady_clock::now() + flags.duration;
            while (!stop_chaos.load() && std::chrono::steady_clock::now() < chaos_end) {
                // Duplicates of real commands first, then the seeded schedule.
                const auto fault = duplicated ? schedule[step++ % schedule.size()] : std::string("duplicates");
                duplicated = true;
                try {
                    if (fault.rfind("kill ", 0) == 0) {
                        const auto service = fault.substr(5);
                        store.process(service).kill();
                        std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 2000));
                        store.restart(service);
                    } else if (fault == "restart kafka") {
                        servers.run("kafka", "restart");
                    } else if (fault == "restart postgres") {
                        servers.run("postgres", "restart");
                    } else if (fault == "duplicates") {
                        int copied = 0;
                        for (auto& m : read_all(kafka, "store.product.commands")) {
                            if (m.headers.contains("fault-poison-id") || copied >= 20) continue;
                            Message copy{m.topic, m.key, m.payload, m.headers, std::nullopt, m.metadata->partition, 0};
                            publisher.publish(std::move(copy)).get();
                            ++copied;
                        }
                        faults["duplicate commands"] += copied;
                    }
                    ++faults[fault];
                    std::cerr << "\nfault: " << fault << "\n";
                } catch (const std::exception& e) {
                    failures.push_back("fault '" + fault + "' failed: " + e.what());
                }
                // Room to recover between faults: a killed member's session times out in 10 s.
                for (int i = 0; i < 60 && !stop_chaos.load(); ++i) std::this_thread::sleep_for(100ms);
            }
        });

        demo::LoadOptions load;
        load.rate = flags.rate;
        load.duration = flags.duration;
        load.failure_share = 0.2;
        load.workers = 4;
        load.bootstrap = bootstrap;
        load.settle_timeout = 180s;
        load.progress = &std::cerr;
        load.seed = flags.seed;
        auto report = demo::run_load(store.endpoints(), catalog, load);
        stop_chaos.store(true);
        chaos.join();
        // Every service back before the checks (a kill may have been the last fault).
        for (const auto* service : {"product", "listing", "order"}) {
            if (!store.process(service).running()) store.restart(service);
        }
        const auto invariants = demo::check_invariants(store.endpoints(), catalog, report, 120s, /*timeouts_allowed=*/true);
        demo::print_summary(std::cout, report, invariants);
        for (const auto& f : invariants.failed) failures.push_back(f);
        if (report.unfinished > 0) failures.push_back(std::to_string(report.unfinished) + " accepted orders never finished");

        // Dead letters: every poison message, in its own topic's DLQ, and nothing else.
        std::map<std::string, std::set<std::string>> expected, found;
        for (const auto& p : injected) expected[p.topic + ".dlq"].insert(p.id);
        std::size_t dead_letters = 0;
        for (const auto& topic : kConsumed) {
            const auto dlq = topic + ".dlq";
            for (const auto& m : read_all(kafka, dlq)) {
                ++dead_letters;
                const auto id = m.headers.get("fault-poison-id");
                const auto origin = m.headers.get("courier-dlq-original-topic");
                if (!id) {
                    failures.push_back(dlq + " holds a message that is not injected poison (ce_type " +
                                       std::string(m.headers.get("ce_type").value_or("none")) + ", reason " +
                                       std::string(m.headers.get("courier-dlq-error").value_or("?")) + ")");
                    continue;
                }
                if (!origin || *origin != topic) failures.push_back(dlq + ": poison " + std::string(*id) + " lacks its provenance");
                found[dlq].insert(std::string(*id));
            }
            if (found[dlq] != expected[dlq]) {
                failures.push_back(dlq + " has " + std::to_string(found[dlq].size()) + " of the " +
                                   std::to_string(expected[dlq].size()) + " poison messages injected into " + topic);
            }
        }

        std::cout << "\n  faults (seed " << flags.seed << ")\n";
        for (const auto& [fault, count] : faults) std::cout << "    " << fault << ": " << count << "\n";
        std::cout << "  poison injected: " << injected.size() << " into " << kConsumed.size()
                  << " topics; dead letters found: " << dead_letters << "\n";
    } catch (const std::exception& e) {
        failures.push_back(std::string("the run could not complete: ") + e.what());
    }
    if (failures.empty()) {
        std::cout << "\n  fault run: every check passed\n";
        return 0;
    }
    std::cout << "\n  fault run FAILED:\n";
    for (const auto& f : failures) std::cout << "    - " << f << "\n";
    std::cout << "  service logs: " << (run_dir / "logs").string() << "\n";
    return 1;
}
