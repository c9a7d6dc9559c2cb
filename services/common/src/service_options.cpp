#include "courier/service/service_options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <sstream>

#include "courier/core/errors.hpp"

namespace courier::service {

std::vector<Setting> common_settings(const std::string& service, uint16_t default_port) {
    return {
        {"bootstrap", "COURIER_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers"},
        {"database", "COURIER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/courier_" + service,
         "libpq connection string of this service's own database"},
        {"http-address", "COURIER_HTTP_ADDRESS", "127.0.0.1", "address the HTTP API listens on"},
        {"http-port", "COURIER_HTTP_PORT", std::to_string(default_port), "port of the HTTP API"},
        {"group", "COURIER_GROUP", "store-" + service, "Kafka consumer group"},
        {"partitions", "COURIER_TOPIC_PARTITIONS", "4", "partitions of the topics created when missing"},
        {"pool-size", "COURIER_DB_POOL_SIZE", "8", "PostgreSQL connections of the service"},
        {"log-level", "COURIER_LOG_LEVEL", "info", "trace, debug, info, warn, error"},
    };
}

Settings Settings::parse(const std::vector<std::string>& args, const std::vector<Setting>& settings,
                         const std::vector<std::string>& switches) {
    Settings s;
    for (const auto& setting : settings) {
        s.envs_[setting.flag] = setting.env;
        const char* env = setting.env.empty() ? nullptr : std::getenv(setting.env.c_str());
        s.values_[setting.flag] = env != nullptr ? std::string(env) : setting.default_value;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (arg == "--help" || arg == "-h") {
            s.help_ = true;
            continue;
        }
        if (arg.rfind("--", 0) != 0) throw ConfigError("unexpected argument '" + arg + "'", "see --help");
        std::string name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (std::find(switches.begin(), switches.end(), name) != switches.end()) {
            s.switches_.push_back(name);
            continue;
        }
        if (!s.values_.contains(name)) throw ConfigError("unknown flag --" + name, "see --help");
        if (inline_value) {
            s.values_[name] = *inline_value;
        } else {
            if (i + 1 >= args.size()) throw ConfigError("flag --" + name + " needs a value", "see --help");
            s.values_[name] = args[++i];
        }
    }
    return s;
}

std::string Settings::get(const std::string& flag) const {
    auto it = values_.find(flag);
    if (it == values_.end()) throw ConfigError("no setting --" + flag);
    return it->second;
}

namespace {
std::string where(const std::map<std::string, std::string>& envs, const std::string& flag) {
    auto it = envs.find(flag);
    return "--" + flag + (it != envs.end() && !it->second.empty() ? " (or " + it->second + ")" : "");
}
}  // namespace

int64_t Settings::get_int(const std::string& flag) const {
    const auto text = get(flag);
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        throw ConfigError(where(envs_, flag) + " must be an integer, got '" + text + "'");
    }
    return value;
}

std::chrono::milliseconds Settings::get_millis(const std::string& flag) const {
    const auto text = get(flag);
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const std::string unit(end, text.data() + text.size());
    if (ec != std::errc() || value < 0) {
        throw ConfigError(where(envs_, flag) + " must be a duration like 500ms, 10s or 2m, got '" + text + "'");
    }
    if (unit.empty() || unit == "ms") return std::chrono::milliseconds(value);
    if (unit == "s") return std::chrono::seconds(value);
    if (unit == "m") return std::chrono::minutes(value);
    throw ConfigError(where(envs_, flag) + " must be a duration like 500ms, 10s or 2m, got '" + text + "'");
}

bool Settings::has_switch(const std::string& name) const {
    return std::find(switches_.begin(), switches_.end(), name) != switches_.end();
}

std::string Settings::usage(const std::string& program, const std::string& summary,
                            const std::vector<Setting>& settings, const std::vector<std::string>& switches) {
    std::ostringstream out;
    out << "usage: " << program << " [options]\n\n" << summary << "\n\noptions (flag > environment > default):\n";
    for (const auto& s : settings) {
        out << "  --" << s.flag << " VALUE";
        out << std::string(s.flag.size() < 16 ? 16 - s.flag.size() : 1, ' ') << s.help;
        if (!s.env.empty()) out << " [env " << s.env << "]";
        out << " (default " << (s.default_value.empty() ? "none" : s.default_value) << ")\n";
    }
    for (const auto& sw : switches) out << "  --" << sw << "\n";
    out << "  --help\n";
    return out.str();
}

ServiceOptions ServiceOptions::from(const std::string& name, const Settings& settings) {
    ServiceOptions o;
    o.name = name;
    Properties flags;
    flags.set("bootstrap.servers", settings.get("bootstrap"));
    o.kafka = resolve_kafka_properties(flags);
    o.database = settings.get("database");
    o.http_address = settings.get("http-address");
    const auto port = settings.get_int("http-port");
    if (port < 0 || port > 65535) throw ConfigError("--http-port must be 0..65535, got " + std::to_string(port));
    o.http_port = static_cast<uint16_t>(port);
    o.group = settings.get("group");
    o.partitions = static_cast<int>(settings.get_int("partitions"));
    if (o.partitions < 1) throw ConfigError("--partitions must be at least 1");
    const auto pool = settings.get_int("pool-size");
    if (pool < 1) throw ConfigError("--pool-size must be at least 1");
    o.pool_size = static_cast<std::size_t>(pool);
    return o;
}

}  // namespace courier::service
