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

po::variables_map parse_flags(const std::vector<std::string>& args, const po::options_description& options) {
    po::variables_map vm;
    try {
        // No positional arguments: every stray word is a mistake worth reporting.
        po::store(po::command_line_parser(args).options(options).positional({}).run(), vm);
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
