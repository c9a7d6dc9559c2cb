// courier topics: list, create and describe topics (with a group's lag).

#include <boost/program_options.hpp>

#include <iomanip>
#include <iostream>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/cli/commands.hpp"
#include "kafka_flags.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {
po::options_description topics_options() {
    po::options_description o("courier topics list | create NAME [--partitions N] | describe NAME [--group G]\n\n"
                              "Options");
    o.add_options()
        ("help,h", "show this help")
        ("partitions", po::value<int>()->default_value(1), "partitions of a new topic")
        ("replication", po::value<int>()->default_value(1), "replication factor of a new topic")
        ("topic-config", po::value<std::vector<std::string>>()->composing(), "topic config name=value (repeatable)")
        ("group,G", po::value<std::string>(), "with describe: show this group's committed offsets and lag");
    add_words(o, "the action and topic name");
    add_kafka_flags(o);
    return o;
}
}  // namespace

int run_topics(const std::vector<std::string>& args, CommandIo io) {
    auto options = topics_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        auto positional = words(vm);
        if (positional.empty()) throw UsageError("missing action: list, create or describe");
        const auto& action = positional[0];
        auto needs_name = [&] {
            if (positional.size() != 2) throw UsageError(action + " takes exactly one topic name");
            return positional[1];
        };
        broker::kafka::KafkaAdmin admin(kafka_properties(vm));
        if (action == "list") {
            if (positional.size() != 1) throw UsageError("list takes no topic name");
            for (const auto& name : admin.list_topics()) {
                if (!name.starts_with("__")) io.out << name << "\n";
            }
        } else if (action == "create") {
            broker::kafka::TopicSpec spec{needs_name(), vm["partitions"].as<int>(), vm["replication"].as<int>(), {}};
            if (vm.count("topic-config")) {
                for (const auto& c : vm["topic-config"].as<std::vector<std::string>>()) {
                    auto [k, v] = Properties::parse_assignment(c, "--topic-config");
                    spec.config.set(std::move(k), std::move(v));
                }
            }
            admin.create_topic(spec, false);
            io.out << "created " << spec.name << " with " << spec.partitions << " partition(s)\n";
        } else if (action == "describe") {
            auto name = needs_name();
            if (vm.count("group")) {
                auto group = vm["group"].as<std::string>();
                io.out << std::left << std::setw(10) << "partition" << std::setw(12) << "committed" << std::setw(12)
                       << "end" << "lag\n";
                int64_t total = 0;
                for (const auto& lag : admin.group_lag(group, name)) {
                    io.out << std::setw(10) << lag.partition.partition << std::setw(12)
                           << (lag.committed < 0 ? std::string("-") : std::to_string(lag.committed)) << std::setw(12)
                           << lag.end << lag.lag << "\n";
                    total += lag.lag;
                }
                io.out << "total lag of group " << group << ": " << total << "\n";
            } else {
                auto d = admin.describe_topic(name);
                io.out << d.name << ": " << d.partitions.size() << " partition(s)\n";
            }
        } else {
            throw UsageError("unknown action '" + action + "' (use list, create or describe)");
        }
        return 0;
    } catch (...) {
        return report_failure("topics", options, io.err);
    }
}

}  // namespace courier::cli
