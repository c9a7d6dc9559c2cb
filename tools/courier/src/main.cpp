// `courier <command>`: parses the command name and hands over to library code.

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "courier/cli/commands.hpp"
#include "courier/core/logging.hpp"

namespace {

std::atomic<bool> stop_requested{false};

void request_stop(int) { stop_requested.store(true); }

void usage(std::ostream& out) {
    out << "usage: courier <command> [options]\n\n"
           "commands:\n"
           "  produce   publish lines or JSON records to a topic (kcat -P style)\n"
           "  consume   print a topic's messages, by partition or as a group member (kcat -C/-G style)\n"
           "  topics    list, create and describe topics, with a group's lag\n"
           "  dlq       list, show and redrive dead letters\n"
           "  replay    copy a topic's range (offsets or time, filtered) to a topic; resumable\n"
           "  groups    list and describe consumer groups with lag; reset their offsets\n"
           "  schema    list the event catalog, validate a payload, check a schema version's compatibility\n"
           "  saga      list saga instances (by type, status, stuck) and show one with its history\n"
           "  demo      run the demo store: services, catalog, orders at a rate, invariant check\n\n"
           "`courier <command> --help` describes a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
    courier::configure_logging();
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        usage(args.empty() ? std::cerr : std::cout);
        return args.empty() ? 2 : 0;
    }
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    std::string command = args[0];
    args.erase(args.begin());
    courier::cli::CommandIo io{std::cin, std::cout, std::cerr, &stop_requested};
    if (command == "produce") return courier::cli::run_produce(args, io);
    if (command == "consume") return courier::cli::run_consume(args, io);
    if (command == "topics") return courier::cli::run_topics(args, io);
    if (command == "dlq") return courier::cli::run_dlq(args, io);
    if (command == "replay") return courier::cli::run_replay(args, io);
    if (command == "groups") return courier::cli::run_groups(args, io);
    if (command == "schema") return courier::cli::run_schema(args, io);
    if (command == "saga") return courier::cli::run_saga(args, io);
    if (command == "demo") return courier::cli::run_demo(args, io);
    std::cerr << "courier: unknown command '" << command << "'\n\n";
    usage(std::cerr);
    return 2;
}
