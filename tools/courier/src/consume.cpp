// courier consume: a topic to stdout, kcat -C / -G style.

#include <boost/program_options.hpp>

#include <iostream>
#include <set>

#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/cli/commands.hpp"
#include "courier/cli/record_json.hpp"
#include "kafka_flags.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

using broker::TopicPartition;
using broker::kafka::StartPosition;

po::options_description consume_options() {
    po::options_description o("courier consume -t TOPIC [options]\n\n"
                              "Prints messages of TOPIC. Without -G it reads partitions directly (no group, no "
                              "commits);\nwith -G it joins the group and commits what it printed.\n\nOptions");
    o.add_options()
        ("help,h", "show this help")
        ("topic,t", po::value<std::vector<std::string>>()->composing(), "topic (repeatable with -G)")
        ("partition,p", po::value<std::vector<int32_t>>()->composing(), "partition to read (repeatable; default all)")
        ("group,G", po::value<std::string>(), "consumer group: subscribe and commit")
        ("offset,o", po::value<std::string>()->default_value("beginning"),
         "start: beginning | end | stored | <offset> | -<n> (n before the end) | s@<unix ms>")
        ("count,c", po::value<std::size_t>(), "exit after this many messages")
        ("exit,e", po::bool_switch(), "exit when the end of every partition is reached")
        ("json,J", po::bool_switch(), "one JSON object per message (topic, partition, offset, timestamp, key, "
                                      "value, headers)")
        ("key-delimiter,K", po::value<std::string>(), "print key<delimiter>value")
        ("format,f", po::value<std::string>(),
         "output format: %t topic %p partition %o offset %k key %s value %T timestamp %h headers, \\n \\t")
        ("delimiter,D", po::value<std::string>()->default_value("\\n"), "printed after each message (not with -f)")
        ("quiet,q", po::bool_switch(), "no summary line");
    add_kafka_flags(o);
    return o;
}

StartPosition parse_start(const std::string& text) {
    if (text == "beginning") return StartPosition::beginning();
    if (text == "end") return StartPosition::end();
    if (text == "stored") return {};
    try {
        std::size_t used = 0;
        if (text.starts_with("s@")) {
            auto ms = std::stoll(text.substr(2), &used);
            if (used == text.size() - 2) return StartPosition::at_time(ms);
        } else {
            auto offset = std::stoll(text, &used);
            if (used == text.size()) return StartPosition::at_offset(offset);
        }
    } catch (const std::exception&) {
    }
    throw UsageError("-o: cannot read '" + text + "' (use beginning, end, stored, 42, -10 or s@1700000000000)");
}

std::string headers_text(const Headers& headers) {
    std::string out;
    for (const auto& h : headers) {
        if (!out.empty()) out += ',';
        out += h.name + '=' + h.value;
    }
    return out;
}

std::string formatted(const std::string& format, const Message& m) {
    std::string out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%' || i + 1 == format.size()) {
            out.push_back(format[i]);
            continue;
        }
        switch (format[++i]) {
            case 't':
                out += m.topic;
                break;
            case 'p':
                out += std::to_string(m.metadata->partition);
                break;
            case 'o':
                out += std::to_string(m.metadata->offset);
                break;
            case 'k':
                out += m.key.value_or("");
                break;
            case 's':
                out += m.payload;
                break;
            case 'T':
                out += std::to_string(m.metadata->timestamp_ms);
                break;
            case 'h':
                out += headers_text(m.headers);
                break;
            case '%':
                out.push_back('%');
                break;
            default:
                throw UsageError(std::string("-f: unknown format token %") + format[i]);
        }
    }
    return out;
}

}  // namespace

int run_consume(const std::vector<std::string>& args, CommandIo io) {
    auto options = consume_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        if (!vm.count("topic")) throw UsageError("missing -t TOPIC");
        auto topics = vm["topic"].as<std::vector<std::string>>();
        bool group_mode = vm.count("group") > 0;
        if (!group_mode && topics.size() != 1) throw UsageError("reading several topics needs a group (-G)");
        if (group_mode && vm.count("partition")) throw UsageError("-p cannot be combined with -G");
        auto start = parse_start(vm["offset"].as<std::string>());
        if (vm.count("format") && (vm["json"].as<bool>() || vm.count("key-delimiter"))) {
            throw UsageError("-f cannot be combined with -J or -K");
        }
        auto delimiter = unescape(vm["delimiter"].as<std::string>());
        std::optional<std::string> key_delimiter;
        if (vm.count("key-delimiter")) key_delimiter = unescape(vm["key-delimiter"].as<std::string>());
        std::optional<std::string> format;
        if (vm.count("format")) format = unescape(vm["format"].as<std::string>());
        bool json = vm["json"].as<bool>();
        bool exit_at_end = vm["exit"].as<bool>();
        std::optional<std::size_t> count;
        if (vm.count("count")) count = vm["count"].as<std::size_t>();

        broker::kafka::KafkaSubscriberOptions subscriber_options;
        subscriber_options.properties = kafka_properties(vm);
        if (exit_at_end) subscriber_options.properties.set("enable.partition.eof", "true");
        if (group_mode) {
            subscriber_options.group = vm["group"].as<std::string>();
            if (start.kind == StartPosition::Kind::end) subscriber_options.auto_offset_reset = "latest";
        }
        broker::kafka::KafkaSubscriber subscriber(std::move(subscriber_options));

        // Bounded checks first: a down broker or a missing topic is reported in seconds.
        std::vector<TopicPartition> partitions;
        for (const auto& topic : topics) {
            for (auto id : subscriber.partitions_of(topic, std::chrono::seconds(10))) partitions.push_back({topic, id});
        }
        if (group_mode) {
            subscriber.subscribe(topics);
        } else {
            if (vm.count("partition")) {
                partitions.clear();
                for (auto id : vm["partition"].as<std::vector<int32_t>>()) partitions.push_back({topics[0], id});
            }
            subscriber.assign(partitions, start);
        }

        std::size_t printed = 0;
        auto finished = [&] {
            if (count && printed >= *count) return true;
            if (!exit_at_end) return false;
            auto owned = subscriber.assignment();
            if (owned.empty()) return false;
            auto ended = subscriber.partitions_at_end();
            std::set<TopicPartition> at_end(ended.begin(), ended.end());
            return std::all_of(owned.begin(), owned.end(), [&](const TopicPartition& tp) { return at_end.contains(tp); });
        };
        while (!finished() && !(io.stop && io.stop->load())) {
            std::size_t room = count ? *count - printed : 1000;
            auto batch = subscriber.poll(std::min<std::size_t>(room, 1000), std::chrono::milliseconds(200));
            if (!batch) {
                if (batch.error().kind != ErrorKind::transient) throw CourierError(batch.error());
                io.err << "courier consume: " << batch.error().describe() << " (retrying)\n";
                continue;
            }
            for (const auto& m : *batch) {
                if (format) {
                    io.out << formatted(*format, m);  // the format carries its own line ends, as in kcat
                } else {
                    if (json) {
                        io.out << to_json_line(m);
                    } else {
                        if (key_delimiter) io.out << m.key.value_or("") << *key_delimiter;
                        io.out << m.payload;
                    }
                    io.out << delimiter;
                }
                if (group_mode) subscriber.mark_done(m);
                ++printed;
            }
            io.out.flush();
            if (group_mode && !batch->empty()) {
                if (auto committed = subscriber.commit(); !committed) {
                    io.err << "courier consume: " << committed.error().describe() << "\n";
                }
            }
        }
        subscriber.close();
        if (!vm["quiet"].as<bool>()) io.err << "courier consume: " << printed << " message(s)\n";
        return 0;
    } catch (...) {
        return report_failure("consume", options, io.err);
    }
}

}  // namespace courier::cli
