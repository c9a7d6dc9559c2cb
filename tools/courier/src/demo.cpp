// courier demo: the whole store on one machine — a private PostgreSQL and the local Kafka (or
// existing ones), the three services, a seeded catalog, orders at a rate with a live progress
// line, a summary table and the invariant check (DESIGN.md §10).

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "courier/cli/commands.hpp"
#include "courier/core/errors.hpp"
#include "courier/demo/store_demo.hpp"
#include "kafka_flags.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

po::options_description demo_options() {
    po::options_description o(
        "courier demo [options]\n\n"
        "Starts the demo store (PostgreSQL, Kafka, the product, listing and order services), seeds a\n"
        "catalog, places orders at --rate for --duration — about --failure-share of them designed to\n"
        "fail (out of stock, delisted, wrong price) — and prints a summary and the invariant check.\n"
        "Exit code 1 when an invariant fails.\n\nOptions");
    o.add_options()
        ("help,h", "show this help")
        ("rate", po::value<double>()->default_value(50), "orders per second")
        ("duration", po::value<std::string>()->default_value("20s"), "how long to place orders (e.g. 30s, 2m)")
        ("orders", po::value<std::size_t>()->default_value(0), "stop after this many orders (0: rate x duration)")
        ("failure-share", po::value<double>()->default_value(0.2), "share of orders designed to fail (0..1)")
        ("workers", po::value<int>()->default_value(8), "HTTP clients placing orders side by side")
        ("keep-running", "leave the store up afterwards and print its URLs (Ctrl-C stops it)")
        ("bootstrap", po::value<std::string>(), "use this Kafka instead of starting the local one")
        ("database", po::value<std::string>(), "use this PostgreSQL server (a DSN) instead of starting one")
        ("store", po::value<std::string>(),
         "drive a running store instead: PRODUCT_URL,LISTING_URL,ORDER_URL (needs --bootstrap)")
        ("base-port", po::value<int>()->default_value(8081), "HTTP port of product; listing +1, order +2")
        ("kafka-port", po::value<int>()->default_value(9092), "port of the local Kafka the demo starts")
        ("pg-port", po::value<int>()->default_value(5433), "port of the private PostgreSQL the demo starts")
        ("step-timeout", po::value<std::string>()->default_value("30s"), "saga step timeout")
        ("run-dir", po::value<std::string>(), "state of the servers and the services' logs (default <repo>/.run/demo)")
        ("bin-dir", po::value<std::string>(), "where courier-product, -listing, -order are (default: the build's)");
    return o;
}

std::chrono::milliseconds duration_of(const std::string& text, const char* flag) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        throw UsageError(std::string("--") + flag + " must be a duration like 30s or 2m, got '" + text + "'");
    }
    const auto unit = text.substr(used);
    double ms = unit == "ms" ? value : unit == "s" || unit.empty() ? value * 1000 : unit == "m" ? value * 60000 : -1;
    if (ms < 0 || value < 0) throw UsageError(std::string("--") + flag + " must be a duration like 30s or 2m, got '" + text + "'");
    return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

// Runs one of the repository's server scripts; throws with what to do when it fails.
void run_script(const std::string& script, const std::string& action, const std::string& env) {
    const auto command = env + " bash '" + std::string(COURIER_SCRIPTS_DIR) + "/" + script + "' " + action;
    if (std::system(command.c_str()) != 0) {
        throw CourierError(ErrorKind::permanent, "scripts/" + script + " " + action + " failed (see above)",
                           "or pass --" + std::string(script == "kafka" ? "bootstrap" : "database") +
                               " to use a running server");
    }
}

std::filesystem::path bin(const po::variables_map& vm, const char* built) {
    if (vm.count("bin-dir")) return std::filesystem::path(vm["bin-dir"].as<std::string>()) / std::filesystem::path(built).filename();
    return built;
}

}  // namespace

int run_demo(const std::vector<std::string>& args, CommandIo io) {
    auto options = demo_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        demo::LoadOptions load;
        load.rate = vm["rate"].as<double>();
        load.duration = duration_of(vm["duration"].as<std::string>(), "duration");
        load.max_orders = vm["orders"].as<std::size_t>();
        load.failure_share = vm["failure-share"].as<double>();
        load.workers = vm["workers"].as<int>();
        load.progress = &io.err;
        load.stop = io.stop;
        if (load.rate <= 0) throw UsageError("--rate must be positive");
        if (load.failure_share < 0 || load.failure_share > 1) throw UsageError("--failure-share must be within 0..1");
        if (load.workers < 1) throw UsageError("--workers must be at least 1");
        const auto run_dir = vm.count("run-dir") ? std::filesystem::path(vm["run-dir"].as<std::string>())
                                                 : std::filesystem::path(COURIER_SOURCE_DIR) / ".run" / "demo";
        const auto env = "COURIER_RUN_DIR='" + run_dir.string() + "'";

        std::unique_ptr<demo::RunningStore> running;
        demo::StoreEndpoints store;
        bool started_kafka = false, started_pg = false;
        if (vm.count("store")) {
            if (!vm.count("bootstrap")) throw UsageError("--store needs --bootstrap (outcomes are read from Kafka)");
            const auto urls = vm["store"].as<std::string>();
            const auto a = urls.find(','), b = urls.find(',', a + 1);
            if (a == std::string::npos || b == std::string::npos) throw UsageError("--store takes PRODUCT_URL,LISTING_URL,ORDER_URL");
            store = {urls.substr(0, a), urls.substr(a + 1, b - a - 1), urls.substr(b + 1)};
            load.bootstrap = vm["bootstrap"].as<std::string>();
            for (const auto& url : {store.product, store.listing, store.order}) {
                if (!demo::wait_until_ready(url, std::chrono::seconds(60))) {
                    throw CourierError(ErrorKind::transient, url + "/readyz did not answer 200 within 60 s",
                                       "is the store running?");
                }
            }
        } else {
            demo::LaunchOptions launch;
            if (vm.count("bootstrap")) {
                launch.bootstrap = vm["bootstrap"].as<std::string>();
            } else {
                const auto port = std::to_string(vm["kafka-port"].as<int>());
                io.err << "demo: starting the local Kafka on 127.0.0.1:" << port << "\n";
                run_script("kafka", "start", env + " COURIER_KAFKA_PORT=" + port);
                started_kafka = true;
                launch.bootstrap = "127.0.0.1:" + port;
            }
            if (vm.count("database")) {
                launch.database = vm["database"].as<std::string>();
            } else {
                const auto port = std::to_string(vm["pg-port"].as<int>());
                io.err << "demo: starting a private PostgreSQL on 127.0.0.1:" << port << "\n";
                run_script("postgres", "start", env + " COURIER_PG_PORT=" + port);
                started_pg = true;
                launch.database = "postgresql://postgres@127.0.0.1:" + port + "/postgres";
            }
            launch.product_bin = bin(vm, COURIER_PRODUCT_BIN);
            launch.listing_bin = bin(vm, COURIER_LISTING_BIN);
            launch.order_bin = bin(vm, COURIER_ORDER_BIN);
            launch.base_port = static_cast<uint16_t>(vm["base-port"].as<int>());
            launch.log_dir = run_dir / "logs";
            launch.step_timeout = duration_of(vm["step-timeout"].as<std::string>(), "step-timeout");
            io.err << "demo: starting the product, listing and order services (logs in " << launch.log_dir.string() << ")\n";
            running = std::make_unique<demo::RunningStore>(launch);
            store = running->endpoints();
            load.bootstrap = launch.bootstrap;
        }

        const auto run_id = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch()).count());
        io.err << "demo: seeding a catalog (run " << run_id << ")\n";
        const auto catalog = demo::seed_catalog(store, demo::SeedOptions{20, 1000000, run_id});
        io.err << "demo: placing orders at " << load.rate << "/s for " << load.duration.count() / 1000.0 << " s\n";
        const auto report = demo::run_load(store, catalog, load);
        const auto invariants = demo::check_invariants(store, catalog, report);
        demo::print_summary(io.out, report, invariants);

        if (vm.count("keep-running") && running) {
            io.out << "\nThe store keeps running (Ctrl-C stops it):\n  product  " << store.product << "/products\n  listing  "
                   << store.listing << "/listings\n  order    " << store.order << "/orders/{id}\n  metrics  "
                   << store.order << "/metrics\n  Kafka    " << load.bootstrap << "\n";
            while (io.stop == nullptr || !io.stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        running.reset();
        if (started_kafka) run_script("kafka", "stop", env + " COURIER_KAFKA_PORT=" + std::to_string(vm["kafka-port"].as<int>()));
        if (started_pg) run_script("postgres", "stop", env + " COURIER_PG_PORT=" + std::to_string(vm["pg-port"].as<int>()));
        return invariants.ok() && report.unfinished == 0 ? 0 : 1;
    } catch (...) {
        return report_failure("demo", options, io.err);
    }
}

}  // namespace courier::cli
