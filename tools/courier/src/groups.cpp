// courier groups: list consumer groups, describe one (members, assignment, committed offsets and
// lag), and reset its offsets — printing the plan unless --execute is given.

#include <boost/program_options.hpp>

#include <iomanip>
#include <iostream>
#include <map>
#include <set>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/cli/commands.hpp"
#include "courier/cli/time_spec.hpp"
#include "kafka_flags.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

using broker::TopicPartition;
using broker::kafka::CommittedOffset;
using broker::kafka::GroupDescription;
using broker::kafka::KafkaAdmin;

po::options_description groups_options() {
    po::options_description o(
        "courier groups list\n"
        "courier groups describe -g GROUP [-t TOPIC]\n"
        "courier groups reset-offsets -g GROUP -t TOPIC [-p P ...] (--to-earliest | --to-latest | "
        "--to-offset N |\n"
        "                             --to-datetime TIME | --shift-by N) [--execute]\n\n"
        "reset-offsets prints the plan and changes nothing unless --execute is given; Kafka lets only a "
        "group\n"
        "without active members have its offsets changed, so stop its consumers first. TIME is RFC 3339 with "
        "a\n"
        "zone (2026-11-21T10:00:00Z), a time ago (90s, 15m, 2h, 1d), now, or Unix milliseconds "
        "(@1795303383870).\n\n"
        "Options");
    o.add_options()
        ("help,h", "show this help")
        ("group,g", po::value<std::string>(), "consumer group")
        ("topic,t", po::value<std::string>(), "topic (describe: only this topic; reset-offsets: required)")
        ("partition,p", po::value<std::vector<int32_t>>()->composing(), "reset-offsets: only these partitions")
        ("to-earliest", po::bool_switch(), "reset to the first offset still stored")
        ("to-latest", po::bool_switch(), "reset to the end: skip everything not yet read")
        ("to-offset", po::value<int64_t>(), "reset to this offset (kept within the partition's offsets)")
        ("to-datetime", po::value<std::string>(), "reset to the first message stamped at or after TIME")
        ("shift-by", po::value<int64_t>(), "move the committed offset by N (negative: back)")
        ("execute", po::bool_switch(), "apply the plan")
        ("timeout", po::value<double>()->default_value(10), "seconds to wait for the broker on each request");
    add_words(o, "the action");
    add_kafka_flags(o);
    return o;
}

std::string group_of(const po::variables_map& vm) {
    if (!vm.count("group")) throw UsageError("missing -g GROUP");
    auto group = vm["group"].as<std::string>();
    if (group.empty()) throw UsageError("-g needs a group name");
    return group;
}

std::string offset_text(int64_t offset) { return offset >= 0 ? std::to_string(offset) : std::string("-"); }

int list(KafkaAdmin& admin, std::chrono::milliseconds timeout, CommandIo io) {
    auto groups = admin.list_groups(timeout);
    io.out << std::left << std::setw(40) << "group" << std::setw(22) << "state"
           << "type\n";
    for (const auto& g : groups) {
        io.out << std::setw(40) << g.id << std::setw(22) << g.state << (g.simple ? "simple" : "consumer")
               << "\n";
    }
    io.out << groups.size() << " group(s)\n";
    return 0;
}

int describe(KafkaAdmin& admin, const std::string& group, const po::variables_map& vm,
             std::chrono::milliseconds timeout, CommandIo io) {
    auto description = admin.describe_group(group, timeout);
    auto committed = admin.committed_offsets(group, timeout);
    if (description.members.empty() && committed.empty() &&
        (description.state == "Dead" || description.state == "Unknown" || description.state == "Empty")) {
        throw CourierError(
            ErrorKind::permanent,
            "consumer group " + group + " does not exist (no members and no committed offsets)",
            "list the groups with: courier groups list");
    }
    std::map<TopicPartition, std::string> owner;
    std::set<std::string> topics;
    for (const auto& m : description.members) {
        for (const auto& tp : m.assignment) {
            owner[tp] = m.client_id;
            topics.insert(tp.topic);
        }
    }
    std::map<TopicPartition, int64_t> offsets;
    for (const auto& c : committed) {
        offsets[c.partition] = c.offset;
        topics.insert(c.partition.topic);
    }
    if (vm.count("topic")) topics = {vm["topic"].as<std::string>()};

    io.out << "group " << group << "  state " << description.state << "  assignor "
           << (description.assignor.empty() ? "-" : description.assignor) << "  coordinator "
           << offset_text(description.coordinator) << "  members " << description.members.size() << "\n";
    if (!description.members.empty()) {
        io.out << "\n"
               << std::left << std::setw(48) << "member" << std::setw(24) << "client id" << std::setw(20)
               << "host"
               << "partitions\n";
        for (const auto& m : description.members) {
            std::string parts;
            for (const auto& tp : m.assignment)
                parts += (parts.empty() ? "" : " ") + tp.topic + "[" + std::to_string(tp.partition) + "]";
            io.out << std::setw(48) << m.member_id << std::setw(24) << m.client_id << std::setw(20) << m.host
                   << (parts.empty() ? "-" : parts) << "\n";
        }
    }
    io.out << "\n"
           << std::left << std::setw(40) << "topic" << std::setw(10) << "partition" << std::setw(14)
           << "committed" << std::setw(14) << "end" << std::setw(10) << "lag"
           << "owner\n";
    int64_t total_lag = 0;
    for (const auto& topic : topics) {
        std::vector<int32_t> partitions;
        try {
            partitions = admin.describe_topic(topic, timeout).partitions;
        } catch (const CourierError& e) {
            if (vm.count("topic")) throw;
            io.out << std::setw(40) << topic << "(cannot describe: " << e.message() << ")\n";
            continue;
        }
        for (auto p : partitions) {
            TopicPartition tp{topic, p};
            auto marks = admin.watermarks(tp, timeout);
            auto it = offsets.find(tp);
            int64_t committed_at = it != offsets.end() ? it->second : -1;
            // Nothing committed: the group would start at auto.offset.reset; the lag shown is
            // what it would have to read from the earliest offset.
            int64_t lag = marks.high - (committed_at >= 0 ? committed_at : marks.low);
            total_lag += lag;
            auto o = owner.find(tp);
            io.out << std::setw(40) << topic << std::setw(10) << p << std::setw(14)
                   << offset_text(committed_at) << std::setw(14) << marks.high << std::setw(10) << lag
                   << (o != owner.end() ? o->second : "-") << "\n";
        }
    }
    io.out << "total lag " << total_lag << "\n";
    return 0;
}

struct PlannedReset {
    TopicPartition partition;
    int64_t current = -1;
    int64_t target = -1;
    int64_t low = 0, end = 0;
    std::string note;
};

// What reset-offsets was asked to do, checked before any broker is contacted.
struct ResetRequest {
    std::string topic;
    enum class Kind { earliest, latest, offset, time, shift } kind = Kind::earliest;
    int64_t value = 0;  // the offset, the time (ms) or the shift
    std::string strategy;
};

ResetRequest reset_request(const po::variables_map& vm) {
    ResetRequest r;
    if (!vm.count("topic")) throw UsageError("reset-offsets needs -t TOPIC");
    r.topic = vm["topic"].as<std::string>();
    int strategies = (vm["to-earliest"].as<bool>() ? 1 : 0) + (vm["to-latest"].as<bool>() ? 1 : 0) +
                     static_cast<int>(vm.count("to-offset") + vm.count("to-datetime") + vm.count("shift-by"));
    if (strategies != 1) {
        throw UsageError(
            "give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by");
    }
    if (vm["to-earliest"].as<bool>()) {
        r.kind = ResetRequest::Kind::earliest;
        r.strategy = "to the earliest offsets";
    } else if (vm["to-latest"].as<bool>()) {
        r.kind = ResetRequest::Kind::latest;
        r.strategy = "to the latest offsets";
    } else if (vm.count("to-offset")) {
        r.kind = ResetRequest::Kind::offset;
        r.value = vm["to-offset"].as<int64_t>();
        if (r.value < 0) throw UsageError("--to-offset must be 0 or more");
        r.strategy = "to offset " + std::to_string(r.value);
    } else if (vm.count("to-datetime")) {
        r.kind = ResetRequest::Kind::time;
        try {
            r.value = parse_time_point(vm["to-datetime"].as<std::string>(), std::chrono::system_clock::now());
        } catch (const ConfigError& e) {
            throw UsageError(std::string("--to-datetime: ") + e.what());
        }
        r.strategy = "to " + format_time_ms(r.value);
    } else {
        r.kind = ResetRequest::Kind::shift;
        r.value = vm["shift-by"].as<int64_t>();
        r.strategy = "by " + std::to_string(r.value);
    }
    return r;
}

int reset_offsets(KafkaAdmin& admin, const std::string& group, const ResetRequest& request,
                  const po::variables_map& vm, std::chrono::milliseconds timeout, CommandIo io) {
    const auto& topic = request.topic;
    using Kind = ResetRequest::Kind;
    auto all = admin.describe_topic(topic, timeout).partitions;
    std::vector<int32_t> chosen = all;
    if (vm.count("partition")) {
        chosen = vm["partition"].as<std::vector<int32_t>>();
        std::sort(chosen.begin(), chosen.end());
        chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
        for (auto p : chosen) {
            if (std::find(all.begin(), all.end(), p) == all.end()) {
                throw CourierError(ErrorKind::permanent,
                                   "topic " + topic + " has no partition " + std::to_string(p) + " (it has " +
                                       std::to_string(all.size()) + ", numbered from 0)");
            }
        }
    }
    auto description = admin.describe_group(group, timeout);
    std::map<TopicPartition, int64_t> committed;
    for (const auto& c : admin.committed_offsets(group, timeout)) committed[c.partition] = c.offset;

    std::vector<PlannedReset> plan;
    std::vector<TopicPartition> partitions;
    for (auto p : chosen) {
        PlannedReset r;
        r.partition = {topic, p};
        auto marks = admin.watermarks(r.partition, timeout);
        r.low = marks.low;
        r.end = marks.high;
        if (auto it = committed.find(r.partition); it != committed.end()) r.current = it->second;
        plan.push_back(r);
        partitions.push_back(r.partition);
    }
    std::vector<int64_t> by_time;
    if (request.kind == Kind::time) by_time = admin.offsets_for_time(partitions, request.value, timeout);
    std::vector<std::string> cannot_shift;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        auto& r = plan[i];
        auto clamp = [&](int64_t wanted) {
            int64_t kept = std::clamp(wanted, r.low, r.end);
            if (kept != wanted)
                r.note = "wanted " + std::to_string(wanted) + ", kept within " + std::to_string(r.low) +
                         ".." + std::to_string(r.end);
            return kept;
        };
        switch (request.kind) {
            case Kind::earliest:
                r.target = r.low;
                break;
            case Kind::latest:
                r.target = r.end;
                break;
            case Kind::offset:
                r.target = clamp(request.value);
                break;
            case Kind::time:
                r.target = by_time[i] >= 0 ? by_time[i] : r.end;
                if (by_time[i] < 0) r.note = "no message at or after that time: the end";
                break;
            case Kind::shift:
                if (r.current < 0) {
                    cannot_shift.push_back(std::to_string(r.partition.partition));
                    continue;
                }
                r.target = clamp(r.current + request.value);
                break;
        }
    }
    if (!cannot_shift.empty()) {
        std::string list;
        for (const auto& p : cannot_shift) list += (list.empty() ? "" : ", ") + p;
        throw CourierError(ErrorKind::permanent,
                           "--shift-by needs a committed offset to shift, and group " + group +
                               " has none on " + topic + " partition(s) " + list,
                           "reset those with --to-earliest, --to-offset or --to-datetime instead");
    }

    bool execute = vm["execute"].as<bool>();
    io.out << (execute ? "resetting" : "plan: reset") << " group " << group << " on " << topic << " "
           << request.strategy << "\n";
    if (committed.empty()) io.out << "(the group has no committed offsets: new, or its offsets expired)\n";
    io.out << std::left << std::setw(40) << "topic" << std::setw(10) << "partition" << std::setw(12)
           << "current" << std::setw(12) << "new" << std::setw(12) << "change" << std::setw(12) << "earliest"
           << std::setw(12) << "end"
           << "note\n";
    for (const auto& r : plan) {
        std::string change = r.current >= 0
                                 ? (r.target >= r.current ? "+" : "") + std::to_string(r.target - r.current)
                                 : std::string("-");
        io.out << std::setw(40) << topic << std::setw(10) << r.partition.partition << std::setw(12)
               << offset_text(r.current) << std::setw(12) << r.target << std::setw(12) << change
               << std::setw(12) << r.low << std::setw(12) << r.end << r.note << "\n";
    }
    io.out << std::right;
    if (!description.members.empty()) {
        std::string clients;
        for (const auto& m : description.members)
            clients += (clients.empty() ? "" : ", ") + m.client_id + "@" + m.host;
        std::string what = "group " + group + " has " + std::to_string(description.members.size()) +
                           " active member(s) (state " + description.state + ": " + clients + ")";
        if (execute) {
            throw CourierError(
                ErrorKind::permanent,
                what + "; Kafka refuses to change the offsets of an active group, nothing was changed",
                "stop its consumers, wait until `courier groups describe -g " + group +
                    "` shows state Empty, then run again");
        }
        io.err << "courier groups: warning: " << what << "; --execute will be refused until they stop\n";
    }
    if (!execute) {
        io.out << "nothing changed: run again with --execute to apply\n";
        return 0;
    }
    std::vector<CommittedOffset> offsets;
    for (const auto& r : plan) offsets.push_back({r.partition, r.target});
    admin.alter_group_offsets(group, offsets, timeout);
    io.out << "reset " << offsets.size() << " partition(s) of " << topic << " for group " << group << "\n";
    return 0;
}

}  // namespace

int run_groups(const std::vector<std::string>& args, CommandIo io) {
    auto options = groups_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        auto action_words = words(vm);
        if (action_words.size() != 1)
            throw UsageError("expected one action: list, describe or reset-offsets");
        const auto& action = action_words[0];
        if (action != "list" && action != "describe" && action != "reset-offsets") {
            throw UsageError("unknown action '" + action + "' (use list, describe or reset-offsets)");
        }
        auto seconds = vm["timeout"].as<double>();
        if (!(seconds > 0)) throw UsageError("--timeout must be more than 0 seconds");
        auto timeout = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
        std::string group;
        if (action != "list") group = group_of(vm);
        std::optional<ResetRequest> reset;
        if (action == "reset-offsets") reset = reset_request(vm);
        KafkaAdmin admin(kafka_properties(vm));
        if (action == "list") return list(admin, timeout, io);
        if (action == "describe") return describe(admin, group, vm, timeout, io);
        return reset_offsets(admin, group, *reset, vm, timeout, io);
    } catch (...) {
        return report_failure("groups", options, io.err);
    }
}

}  // namespace courier::cli
