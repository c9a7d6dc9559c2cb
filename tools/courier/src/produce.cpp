// courier produce: lines (or JSON records) from stdin or a file to a topic, kcat -P style.

#include <boost/program_options.hpp>

#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/cli/commands.hpp"
#include "courier/cli/record_json.hpp"
#include "kafka_flags.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

po::options_description produce_options() {
    po::options_description o("courier produce -t TOPIC [options] < input\n\n"
                              "Publishes one message per input line (or per -D delimiter) to TOPIC.\n\nOptions");
    o.add_options()
        ("help,h", "show this help")
        ("topic,t", po::value<std::string>(), "topic to produce to (required)")
        ("partition,p", po::value<int32_t>()->default_value(-1), "partition (default: by key hash)")
        ("key,k", po::value<std::string>(), "key for every message")
        ("key-delimiter,K", po::value<std::string>(), "split each line into key and value at this delimiter")
        ("header,H", po::value<std::vector<std::string>>()->composing(), "header name=value (repeatable)")
        ("json,J", po::bool_switch(), "each line is a JSON record as printed by `courier consume -J`")
        ("delimiter,D", po::value<std::string>()->default_value("\\n"), "message delimiter (one character)")
        ("file,f", po::value<std::string>(), "read messages from this file instead of stdin")
        ("timeout", po::value<int>()->default_value(30000), "ms to wait for the broker's acknowledgements")
        ("quiet,q", po::bool_switch(), "no summary line");
    add_kafka_flags(o);
    return o;
}

// Counts outcomes from the publisher's delivery thread and keeps the first few errors.
class DeliveryTally {
public:
    void succeeded() { ok_.fetch_add(1); }
    void failed(const std::string& where, const Error& error) {
        failed_.fetch_add(1);
        std::lock_guard lock(mutex_);
        if (errors_.size() < 10) errors_.push_back(where + ": " + error.describe());
    }
    std::size_t ok() const { return ok_.load(); }
    std::size_t failed_count() const { return failed_.load(); }
    std::vector<std::string> errors() const {
        std::lock_guard lock(mutex_);
        return errors_;
    }

private:
    std::atomic<std::size_t> ok_{0};
    std::atomic<std::size_t> failed_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> errors_;
};

}  // namespace

int run_produce(const std::vector<std::string>& args, CommandIo io) {
    auto options = produce_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        if (!vm.count("topic")) throw UsageError("missing -t TOPIC");
        auto topic = vm["topic"].as<std::string>();
        auto delimiter = unescape(vm["delimiter"].as<std::string>());
        if (delimiter.size() != 1) throw UsageError("-D takes exactly one character, got '" + delimiter + "'");
        std::optional<std::string> key_delimiter;
        if (vm.count("key-delimiter")) key_delimiter = unescape(vm["key-delimiter"].as<std::string>());
        if (key_delimiter && key_delimiter->empty()) throw UsageError("-K needs a non-empty delimiter");
        bool json = vm["json"].as<bool>();
        if (json && key_delimiter) throw UsageError("-J and -K cannot be combined: a JSON record carries its key");
        Headers headers;
        if (vm.count("header")) {
            for (const auto& h : vm["header"].as<std::vector<std::string>>()) {
                auto [name, value] = parse_header_flag(h);
                headers.add(std::move(name), std::move(value));
            }
        }

        std::ifstream file;
        std::istream* input = &io.in;
        std::string source = "stdin";
        if (vm.count("file")) {
            source = vm["file"].as<std::string>();
            file.open(source, std::ios::binary);
            if (!file) throw ConfigError("cannot open " + source, "check the path given to -f");
            input = &file;
        }

        auto properties = kafka_properties(vm);
        // Fail in seconds with a clear reason when the broker is down or the topic is missing,
        // instead of after message.timeout.ms per message.
        broker::kafka::KafkaAdmin(properties).describe_topic(topic, std::chrono::seconds(10));
        DeliveryTally tally;  // outlives the publisher, whose destructor may still report
        broker::kafka::KafkaPublisherOptions publisher_options;
        publisher_options.properties = properties;
        broker::kafka::KafkaPublisher publisher(std::move(publisher_options));

        std::string line;
        for (std::size_t number = 1; std::getline(*input, line, delimiter[0]); ++number) {
            if (io.stop && io.stop->load()) break;
            if (line.empty()) continue;
            std::string where = source + ":" + std::to_string(number);
            Message m;
            if (json) {
                m = from_json_line(line, where, topic);
                m.topic = topic;
            } else {
                m.topic = topic;
                if (key_delimiter) {
                    auto at = line.find(*key_delimiter);
                    if (at == std::string::npos) {
                        throw ConfigError(where + ": no key delimiter '" + *key_delimiter + "' in the line",
                                          "write key" + *key_delimiter + "value, or drop -K");
                    }
                    m.key = line.substr(0, at);
                    m.payload = line.substr(at + key_delimiter->size());
                } else {
                    m.payload = std::move(line);
                }
            }
            if (vm.count("key")) m.key = vm["key"].as<std::string>();
            if (vm["partition"].as<int32_t>() >= 0) m.partition = vm["partition"].as<int32_t>();
            for (const auto& h : headers) m.headers.add(h.name, h.value);
            publisher.publish(std::move(m), [&tally, where](Result<broker::DeliveryReport> result) {
                if (result) {
                    tally.succeeded();
                } else {
                    tally.failed(where, result.error());
                }
            });
        }
        auto timeout = std::chrono::milliseconds(vm["timeout"].as<int>());
        bool flushed = publisher.flush(timeout);
        for (const auto& e : tally.errors()) io.err << "courier produce: " << e << "\n";
        if (!flushed) {
            io.err << "courier produce: " << publisher.in_flight() << " message(s) not acknowledged within "
                   << timeout.count() << " ms (hint: is the broker reachable? raise --timeout)\n";
        }
        if (!vm["quiet"].as<bool>()) {
            io.err << "courier produce: " << tally.ok() << " message(s) delivered to " << topic;
            if (tally.failed_count()) io.err << ", " << tally.failed_count() << " failed";
            io.err << "\n";
        }
        return tally.failed_count() == 0 && flushed ? 0 : 1;
    } catch (...) {
        return report_failure("produce", options, io.err);
    }
}

}  // namespace courier::cli
