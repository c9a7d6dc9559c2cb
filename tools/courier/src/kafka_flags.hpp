#pragma once
// Flags every Kafka-facing command shares: -b brokers, -X property=value, -F config file.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <string>
#include <vector>

#include "courier/core/errors.hpp"
#include "courier/core/properties.hpp"

namespace courier::cli {

/// Wrong flags: printed with the usage, exit code 2.
class UsageError : public ConfigError {
public:
    using ConfigError::ConfigError;
};

/// Adds -b/--brokers, -X/--property (repeatable) and -F/--config to `options`.
void add_kafka_flags(boost::program_options::options_description& options);

/// librdkafka properties from -F file (or $COURIER_CONFIG), environment, -X and -b (highest).
Properties kafka_properties(const boost::program_options::variables_map& vm);

/// Parses `args` against `options`; unknown flags, missing values and stray positional
/// arguments throw UsageError naming the flag.
boost::program_options::variables_map parse_flags(const std::vector<std::string>& args,
                                                  const boost::program_options::options_description& options);

/// The words of a command line that are not flags (an action and its operands), for commands
/// like `courier topics create NAME`. Add them to `options` with add_words(); parse with
/// parse_flags(), then read them with words().
void add_words(boost::program_options::options_description& options, const char* description);
std::vector<std::string> words(const boost::program_options::variables_map& vm);

/// Prints "courier <command>: <message>" (and the usage for UsageError) and returns the exit
/// code for the exception currently being handled. Call only inside a catch block.
int report_failure(const std::string& command, const boost::program_options::options_description& options,
                   std::ostream& err);

/// Splits "name=value" for -H; throws UsageError.
std::pair<std::string, std::string> parse_header_flag(const std::string& text);

/// Expands \n, \t, \\ and \0 in delimiter flags the way kcat does.
std::string unescape(const std::string& text);

}  // namespace courier::cli
