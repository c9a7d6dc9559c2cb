// courier saga: list saga instances (by type, status, or stuck) and show one with its history.

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "courier/cli/commands.hpp"
#include "courier/pg/connection.hpp"
#include "courier/saga/saga_query.hpp"
#include "courier/saga/saga_report.hpp"
#include "kafka_flags.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

po::options_description saga_options() {
    po::options_description o(
        "courier saga list [--type T] [--status S] [--stuck-for SECONDS] [--limit N] [--json]\n"
        "courier saga show SAGA_ID [--json]\n\n"
        "Reads the coordinator's database (courier_saga_instance, courier_saga_history).\n"
        "--stuck-for lists running or compensating instances with no transition for that long.\n\n"
        "Options");
    o.add_options()
        ("help,h", "show this help")
        ("dsn", po::value<std::string>(), "the coordinator's PostgreSQL (default: $COURIER_PG_DSN)")
        ("type", po::value<std::string>(), "list: only this saga type")
        ("status", po::value<std::string>(),
         "list: running, compensating, completed, compensated or failed_needs_attention")
        ("stuck-for", po::value<int64_t>(), "list: only instances without progress for this many seconds")
        ("limit", po::value<std::size_t>()->default_value(100), "list: at most this many instances")
        ("json", po::bool_switch(), "print JSON");
    add_words(o, "the action (list or show) and show's saga id");
    return o;
}

std::string dsn_of(const po::variables_map& vm) {
    if (vm.count("dsn")) return vm["dsn"].as<std::string>();
    if (const char* env = std::getenv("COURIER_PG_DSN"); env != nullptr && *env != '\0') return env;
    throw UsageError("missing --dsn (or $COURIER_PG_DSN)");
}

}  // namespace

int run_saga(const std::vector<std::string>& args, CommandIo io) {
    auto options = saga_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        const auto action_words = words(vm);
        if (action_words.empty()) throw UsageError("expected an action: list or show");
        const bool json = vm["json"].as<bool>();
        const auto& action = action_words[0];
        if (action == "list") {
            if (action_words.size() != 1) throw UsageError("list takes no arguments");
            saga::ListFilter filter;
            if (vm.count("type")) filter.type = vm["type"].as<std::string>();
            if (vm.count("status")) {
                const auto& status = vm["status"].as<std::string>();
                filter.status = saga::parse_status(status);
                if (!filter.status) throw UsageError("--status: unknown status '" + status + "'");
            }
            if (vm.count("stuck-for")) filter.stuck_for = std::chrono::seconds(vm["stuck-for"].as<int64_t>());
            filter.limit = vm["limit"].as<std::size_t>();
            auto connection = pg::Connection::open(dsn_of(vm));
            auto instances = saga::list_instances(connection, filter);
            if (!instances) throw CourierError(instances.error());
            saga::write_instances(io.out, *instances, json);
            return 0;
        }
        if (action == "show") {
            if (action_words.size() != 2) throw UsageError("show takes one saga id");
            auto connection = pg::Connection::open(dsn_of(vm));
            auto instance = saga::show_instance(connection, action_words[1]);
            if (!instance) throw CourierError(instance.error());
            if (!*instance) {
                io.err << "courier saga: no saga instance '" << action_words[1] << "'\n";
                return 1;
            }
            saga::write_instance(io.out, **instance, json);
            return 0;
        }
        throw UsageError("unknown action '" + action + "' (use list or show)");
    } catch (...) {
        return report_failure("saga", options, io.err);
    }
}

}  // namespace courier::cli
