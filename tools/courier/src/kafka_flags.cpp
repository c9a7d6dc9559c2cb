#include "kafka_flags.hpp"

#include <boost/program_options/parsers.hpp>

#include <ostream>

namespace po = boost::program_options;

namespace courier::cli {

void add_kafka_flags(po::options_description& options) {
    options.add_options()
        ("brokers,b", po::value<std::string>(), "bootstrap brokers host:port[,host:port] (default: $COURIER_BROKERS)")
        ("property,X", po::value<std::vector<std::string>>()->composing(),
         "librdkafka property name=value (repeatable), e.g. -X security.protocol=SASL_SSL")
        ("config,F", po::value<std::string>(), "file of name=value librdkafka properties (default: $COURIER_CONFIG)");
}

Properties kafka_properties(const po::variables_map& vm) {
    Properties flags;
    if (vm.count("property")) {
        for (const auto& text : vm["property"].as<std::vector<std::string>>()) {
            auto [key, value] = Properties::parse_assignment(text, "-X");
            flags.set(std::move(key), std::move(value));
        }
    }
    if (vm.count("brokers")) flags.set("bootstrap.servers", vm["brokers"].as<std::string>());
    std::string file = vm.count("config") ? vm["config"].as<std::string>() : std::string();
    return resolve_kafka_properties(flags, file);
}

namespace {
constexpr const char* kWords = "words";
}

void add_words(po::options_description& options, const char* description) {
    options.add_options()(kWords, po::value<std::vector<std::string>>(), description);
}

std::vector<std::string> words(const po::variables_map& vm) {
    return vm.count(kWords) ? vm[kWords].as<std::vector<std::string>>() : std::vector<std::string>{};
}

po::variables_map parse_flags(const std::vector<std::string>& args, const po::options_description& options) {
    po::variables_map vm;
    try {
        // Words that are not flags are accepted only by commands that declared them with
        // add_words(); elsewhere every stray word is a mistake worth reporting.
        po::positional_options_description positional;
        if (options.find_nothrow(kWords, false) != nullptr) positional.add(kWords, -1);
        po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

int report_failure(const std::string& command, const po::options_description& options, std::ostream& err) {
    try {
        throw;
    } catch (const UsageError& e) {
        err << "courier " << command << ": " << e.what() << "\n\n" << options << "\n";
        return 2;
    } catch (const std::exception& e) {
        err << "courier " << command << ": " << e.what() << "\n";
        return 1;
    }
}

std::pair<std::string, std::string> parse_header_flag(const std::string& text) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw UsageError("-H expects name=value, got '" + text + "'");
    }
    return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string unescape(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out.push_back(text[i]);
            continue;
        }
        switch (text[++i]) {
            case 'n':
                out.push_back('\n');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case '0':
                out.push_back('\0');
                break;
            default:
                out.push_back(text[i]);
        }
    }
    return out;
}

}  // namespace courier::cli
