// courier dlq: inspect dead-letter topics and redrive their messages.

#include <boost/program_options.hpp>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <iomanip>
#include <iostream>
#include <map>

#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/range_reader.hpp"
#include "courier/cli/commands.hpp"
#include "courier/cli/message_filter.hpp"
#include "courier/consumers/dead_letter.hpp"
#include "courier/core/ids.hpp"
#include "kafka_flags.hpp"
#include "rate_limit.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

namespace dlq = consumers::dlq;
using broker::kafka::RangeBounds;
using broker::kafka::RangeReader;

po::options_description dlq_options() {
    po::options_description o(
        "courier dlq list -t TOPIC | show -t TOPIC -o OFFSET [-p P] | redrive -t TOPIC [filters] [--dry-run]\n\n"
        "TOPIC is a dead-letter topic (<topic>.dlq) or the topic whose dead letters to read.\n"
        "redrive publishes copies to their original topic (or --to) without the courier-dlq-* headers,\n"
        "with courier-redrive-id added and ce_id kept, so idempotent consumers skip what they applied.\n\n"
        "Options");
    o.add_options()
        ("help,h", "show this help")
        ("topic,t", po::value<std::string>(), "dead-letter topic, or its original topic")
        ("partition,p", po::value<int32_t>(), "partition (show: default 0; others: all)")
        ("offset,o", po::value<int64_t>(), "show: the message at this offset")
        ("from-offset", po::value<int64_t>(), "first offset to consider (default: the beginning)")
        ("to-offset", po::value<int64_t>(), "last offset to consider, inclusive (default: the end)")
        ("reason", po::value<std::string>(), "only messages dead-lettered for this reason")
        ("error", po::value<std::string>(), "only messages whose error matches this regular expression")
        ("key", po::value<std::string>(), "only messages with this key")
        ("type", po::value<std::string>(), "only messages of this ce_type")
        ("original-topic", po::value<std::string>(), "only messages from this topic")
        ("to", po::value<std::string>(), "redrive: publish here instead of each message's original topic")
        ("dry-run", po::bool_switch(), "redrive: print what would be sent, send nothing")
        ("rate", po::value<double>(), "redrive: at most this many messages per second")
        ("limit", po::value<std::size_t>(), "redrive: at most this many messages");
    add_words(o, "the action");
    add_kafka_flags(o);
    return o;
}

std::string header(const Message& m, std::string_view name) {
    auto v = m.headers.get(name);
    return v ? std::string(*v) : std::string();
}

// The dead-letter topic's range named by -p, --from-offset and --to-offset.
RangeBounds bounds_of(const std::string& topic, const po::variables_map& vm) {
    RangeBounds bounds;
    bounds.topic = topic;
    if (vm.count("partition")) bounds.partitions.push_back(vm["partition"].as<int32_t>());
    if (vm.count("from-offset")) bounds.from_offset = vm["from-offset"].as<int64_t>();
    if (vm.count("to-offset")) bounds.to_offset = vm["to-offset"].as<int64_t>();
    return bounds;
}

std::string pretty_payload(const std::string& payload) {
    rapidjson::Document doc;
    doc.Parse(payload.data(), payload.size());
    if (doc.HasParseError()) return payload;
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    return buffer.GetString();
}

int list(const Properties& props, const std::string& topic, const MessageFilter& filter,
         const po::variables_map& vm, CommandIo io) {
    struct Group {
        std::size_t count = 0;
        std::string oldest, newest, sample_error;
    };
    std::map<std::pair<std::string, std::string>, Group> groups;  // (original topic, reason)
    std::size_t total = 0;
    RangeReader reader(props, bounds_of(topic, vm));
    reader.read(
        [&](const Message& m) {
            if (!filter.accepts(m)) return true;
            auto& g = groups[{header(m, dlq::kOriginalTopic), header(m, dlq::kReason)}];
            auto at = header(m, dlq::kFailedAt);
            if (g.count == 0 || at < g.oldest) g.oldest = at;
            if (g.count == 0 || at > g.newest) g.newest = at;
            if (g.sample_error.empty()) g.sample_error = header(m, dlq::kError).substr(0, 80);
            ++g.count;
            ++total;
            return true;
        },
        io.stop);
    io.out << std::left << std::setw(32) << "original topic" << std::setw(20) << "reason" << std::setw(8) << "count"
           << std::setw(26) << "oldest" << std::setw(26) << "newest" << "example error\n";
    for (const auto& [key, g] : groups) {
        io.out << std::setw(32) << key.first << std::setw(20) << key.second << std::setw(8) << g.count << std::setw(26)
               << g.oldest << std::setw(26) << g.newest << g.sample_error << "\n";
    }
    io.out << total << " dead letter(s) in " << topic << "\n";
    return 0;
}

int show(const Properties& props, const std::string& topic, const po::variables_map& vm, CommandIo io) {
    if (!vm.count("offset")) throw UsageError("show needs -o OFFSET");
    auto offset = vm["offset"].as<int64_t>();
    int32_t partition = vm.count("partition") ? vm["partition"].as<int32_t>() : 0;
    std::optional<Message> found;
    RangeReader reader(props, RangeBounds{topic, {partition}, offset, offset, std::nullopt, std::nullopt});
    reader.read([&](const Message& m) {
        found = m;
        return false;
    }, io.stop);
    if (!found) {
        throw CourierError(ErrorKind::permanent, "no message at " + topic + "[" + std::to_string(partition) + "]@" +
                                                     std::to_string(offset),
                           "list the topic's offsets with: courier consume -t " + topic + " -e -f '%p %o\\n'");
    }
    const auto& m = *found;
    io.out << "topic:     " << m.topic << "\npartition: " << m.metadata->partition << "\noffset:    "
           << m.metadata->offset << "\ntimestamp: " << m.metadata->timestamp_ms << "\nkey:       "
           << (m.key ? *m.key : "(null)") << "\nheaders:\n";
    for (const auto& h : m.headers) io.out << "  " << h.name << ": " << h.value << "\n";
    io.out << "payload:\n" << pretty_payload(m.payload) << "\n";
    return 0;
}

int redrive(const Properties& props, const std::string& topic, const MessageFilter& filter,
            const po::variables_map& vm, CommandIo io) {
    bool dry_run = vm["dry-run"].as<bool>();
    std::optional<std::string> to;
    if (vm.count("to")) to = vm["to"].as<std::string>();
    std::optional<std::size_t> limit;
    if (vm.count("limit")) limit = vm["limit"].as<std::size_t>();
    RateLimit rate(vm.count("rate") ? std::optional(vm["rate"].as<double>()) : std::nullopt);
    auto redrive_id = new_uuid();

    std::unique_ptr<broker::kafka::KafkaPublisher> publisher;
    if (!dry_run) publisher = std::make_unique<broker::kafka::KafkaPublisher>(broker::kafka::KafkaPublisherOptions{props});
    std::atomic<std::size_t> failed{0};
    std::map<std::string, std::size_t> per_target;
    std::size_t sent = 0, skipped = 0;
    auto last_progress = std::chrono::steady_clock::now();
    RangeReader reader(props, bounds_of(topic, vm));
    reader.read(
        [&](const Message& m) {
            if (limit && sent >= *limit) return false;
            if (!filter.accepts(m)) {
                ++skipped;
                return true;
            }
            Message copy;
            copy.topic = to ? *to : header(m, dlq::kOriginalTopic);
            if (copy.topic.empty()) {
                io.err << "courier dlq: " << describe_position(m) << " has no " << dlq::kOriginalTopic
                       << " header; skipped (use --to)\n";
                ++skipped;
                return true;
            }
            copy.key = m.key;
            copy.payload = m.payload;
            for (const auto& h : m.headers) {
                if (!dlq::is_provenance_header(h.name)) copy.headers.add(h.name, h.value);
            }
            copy.headers.set(dlq::kRedriveId, redrive_id);
            ++per_target[copy.topic];
            ++sent;
            if (dry_run) {
                if (sent <= 5) {
                    io.out << "would send " << describe_position(m) << " (ce_id " << header(m, "ce_id") << ") to "
                           << copy.topic << "\n";
                }
                return true;
            }
            rate.wait();
            publisher->publish(std::move(copy), [&failed, &io, where = describe_position(m)](auto result) {
                if (!result) {
                    failed.fetch_add(1);
                    io.err << "courier dlq: redrive of " << where << " failed: " << result.error().describe() << "\n";
                }
            });
            if (std::chrono::steady_clock::now() - last_progress > std::chrono::seconds(1)) {
                io.err << "courier dlq: " << sent << " redriven, " << skipped << " skipped so far\n";
                last_progress = std::chrono::steady_clock::now();
            }
            return true;
        },
        io.stop);
    if (publisher && !publisher->flush(std::chrono::seconds(60))) {
        io.err << "courier dlq: " << publisher->in_flight() << " copies not acknowledged within 60 s\n";
        return 1;
    }
    for (const auto& [target, n] : per_target) {
        io.out << (dry_run ? "would redrive " : "redrove ") << n << " message(s) to " << target << "\n";
    }
    io.out << (dry_run ? "dry run: nothing sent; " : "") << sent << " selected, " << skipped << " skipped"
           << (dry_run ? "" : ", redrive id " + redrive_id) << "\n";
    return failed.load() == 0 ? 0 : 1;
}

}  // namespace

int run_dlq(const std::vector<std::string>& args, CommandIo io) {
    auto options = dlq_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        auto action_words = words(vm);
        if (action_words.size() != 1) throw UsageError("expected one action: list, show or redrive");
        if (!vm.count("topic")) throw UsageError("missing -t TOPIC");
        auto topic = vm["topic"].as<std::string>();
        if (!topic.ends_with(".dlq")) topic = dlq::topic_for(topic);
        MessageFilter filter;
        if (vm.count("reason")) filter.header(std::string(dlq::kReason), vm["reason"].as<std::string>());
        if (vm.count("key")) filter.key(vm["key"].as<std::string>());
        if (vm.count("type")) filter.type(vm["type"].as<std::string>());
        if (vm.count("original-topic"))
            filter.header(std::string(dlq::kOriginalTopic), vm["original-topic"].as<std::string>());
        if (vm.count("error")) {
            try {
                filter.header_regex(std::string(dlq::kError), vm["error"].as<std::string>());
            } catch (const ConfigError& e) {
                throw UsageError("--error: " + e.message());
            }
        }
        auto props = kafka_properties(vm);
        const auto& action = action_words[0];
        if (action == "list") return list(props, topic, filter, vm, io);
        if (action == "show") return show(props, topic, vm, io);
        if (action == "redrive") return redrive(props, topic, filter, vm, io);
        throw UsageError("unknown action '" + action + "' (use list, show or redrive)");
    } catch (...) {
        return report_failure("dlq", options, io.err);
    }
}

}  // namespace courier::cli
