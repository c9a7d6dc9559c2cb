#include "courier/core/properties.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include "courier/core/errors.hpp"

extern char** environ;

namespace courier {

void Properties::set(std::string key, std::string value) {
    for (auto& item : items_) {
        if (item.first == key) {
            item.second = std::move(value);
            return;
        }
    }
    items_.emplace_back(std::move(key), std::move(value));
}

std::optional<std::string> Properties::get(std::string_view key) const {
    for (const auto& item : items_) {
        if (item.first == key) return item.second;
    }
    return std::nullopt;
}

std::string Properties::get_or(std::string_view key, std::string fallback) const {
    auto v = get(key);
    return v ? *v : std::move(fallback);
}

bool Properties::erase(std::string_view key) {
    return std::erase_if(items_, [&](const Item& item) { return item.first == key; }) > 0;
}

void Properties::merge_from(const Properties& higher) {
    for (const auto& [key, value] : higher.items_) set(key, value);
}

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}
}  // namespace

Properties::Item Properties::parse_assignment(std::string_view text, std::string_view where) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos) {
        throw ConfigError(std::string(where) + ": expected key=value, got '" + std::string(text) + "'",
                          "write it as name=value, e.g. -X linger.ms=5");
    }
    auto key = trim(text.substr(0, eq));
    if (key.empty()) throw ConfigError(std::string(where) + ": empty property name in '" + std::string(text) + "'");
    return {std::string(key), std::string(trim(text.substr(eq + 1)))};
}

Properties Properties::load_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError("cannot read config file " + path.string(), "check the path and its permissions");
    Properties props;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        auto content = trim(line);
        if (content.empty() || content.front() == '#') continue;
        auto [key, value] = parse_assignment(content, path.string() + ":" + std::to_string(number));
        props.set(std::move(key), std::move(value));
    }
    return props;
}

Properties kafka_properties_from_env() {
    Properties props;
    if (const char* brokers = std::getenv("COURIER_BROKERS"); brokers && *brokers) {
        props.set("bootstrap.servers", brokers);
    }
    constexpr std::string_view kPrefix = "COURIER_RDKAFKA_";
    for (char** env = environ; env && *env; ++env) {
        std::string_view entry(*env);
        if (!entry.starts_with(kPrefix)) continue;
        auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        std::string key(entry.substr(kPrefix.size(), eq - kPrefix.size()));
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) {
            return c == '_' ? '.' : static_cast<char>(std::tolower(c));
        });
        if (!key.empty()) props.set(std::move(key), std::string(entry.substr(eq + 1)));
    }
    return props;
}

Properties resolve_kafka_properties(const Properties& flags, const std::filesystem::path& config_file) {
    Properties merged;
    std::filesystem::path file = config_file;
    if (file.empty()) {
        if (const char* env_file = std::getenv("COURIER_CONFIG"); env_file && *env_file) file = env_file;
    }
    if (!file.empty()) merged = Properties::load_file(file);
    merged.merge_from(kafka_properties_from_env());
    merged.merge_from(flags);
    return merged;
}

bool is_secret_property(std::string_view key) noexcept {
    for (std::string_view marker : {"password", "secret", "key.pem", "sasl.jaas", "token"}) {
        if (key.find(marker) != std::string_view::npos) return true;
    }
    return false;
}

}  // namespace courier
