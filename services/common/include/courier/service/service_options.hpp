#pragma once
// Settings every store service shares, each a flag with an environment variable beside it
// (flag > environment > default), so the same binary runs under `courier demo`, in tests and in
// docker-compose.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "courier/core/properties.hpp"

namespace courier::service {

/// One setting: its flag (without "--"), environment variable, default and help.
struct Setting {
    std::string flag;
    std::string env;
    std::string default_value;
    std::string help;
};

/// The settings of every service (bootstrap, database, HTTP address and port, group, topic
/// partitions, log level); `extra` adds a service's own.
std::vector<Setting> common_settings(const std::string& service, uint16_t default_port);

/// Parsed settings. Flags that take no value (`--rebuild`) are listed in `switches`.
class Settings {
public:
    /// Parses `args` (without the program name) against `settings`. Throws UsageError-like
    /// ConfigError naming the flag for an unknown flag or a missing value. `--help` sets help().
    static Settings parse(const std::vector<std::string>& args, const std::vector<Setting>& settings,
                          const std::vector<std::string>& switches = {});
    std::string get(const std::string& flag) const;
    int64_t get_int(const std::string& flag) const;   ///< ConfigError naming flag and env when not an integer
    std::chrono::milliseconds get_millis(const std::string& flag) const;  ///< "500ms", "10s", "2m" or bare ms
    bool has_switch(const std::string& name) const;
    bool help() const { return help_; }
    /// The usage text: every flag with its environment variable and default.
    static std::string usage(const std::string& program, const std::string& summary,
                             const std::vector<Setting>& settings, const std::vector<std::string>& switches = {});

private:
    std::map<std::string, std::string> values_;
    std::map<std::string, std::string> envs_;
    std::vector<std::string> switches_;
    bool help_ = false;
};

/// What ServiceRuntime needs, taken from Settings.
struct ServiceOptions {
    std::string name;          ///< "product", "listing", "order": ce_source /store/<name>
    Properties kafka;          ///< librdkafka properties (bootstrap.servers, COURIER_RDKAFKA_*)
    std::string database;      ///< libpq DSN of the service's own database
    std::string http_address;
    uint16_t http_port = 0;
    std::string group;         ///< the consumer group
    int partitions = 4;        ///< for topics the service creates when missing
    std::size_t pool_size = 8;

    static ServiceOptions from(const std::string& name, const Settings& settings);
};

}  // namespace courier::service
