#pragma once
// Configuration as ordered key=value properties, layered flags > environment > file
// (DESIGN.md §3: every librdkafka property passes through).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courier {

/// An ordered set of unique keys. Not thread-safe.
class Properties {
public:
    using Item = std::pair<std::string, std::string>;

    /// Sets or replaces `key`.
    void set(std::string key, std::string value);
    std::optional<std::string> get(std::string_view key) const;
    std::string get_or(std::string_view key, std::string fallback) const;
    bool contains(std::string_view key) const { return get(key).has_value(); }
    bool erase(std::string_view key);
    /// Copies every item of `higher` over this one (higher precedence wins).
    void merge_from(const Properties& higher);
    const std::vector<Item>& items() const noexcept { return items_; }
    bool empty() const noexcept { return items_.empty(); }

    /// Parses "key=value" (the form of `-X key=value`). Throws ConfigError naming `where`
    /// (e.g. "-X" or "file.conf:12") when there is no '=' or the key is empty.
    static Item parse_assignment(std::string_view text, std::string_view where);
    /// Reads a file of key=value lines; blank lines and lines starting with '#' are skipped.
    /// Throws ConfigError with file and line on a bad line or an unreadable file.
    static Properties load_file(const std::filesystem::path& path);

private:
    std::vector<Item> items_;
};

/// librdkafka properties from the environment (a prefix of their own: COURIER_KAFKA_* belongs to
/// the local broker scripts, e.g. COURIER_KAFKA_PORT): COURIER_BROKERS → bootstrap.servers and
/// COURIER_RDKAFKA_<NAME> → <name> lower-cased with '_' as '.', e.g.
/// COURIER_RDKAFKA_SASL_MECHANISMS=PLAIN → sasl.mechanisms=PLAIN.
Properties kafka_properties_from_env();

/// Kafka client properties from every source, lowest precedence first: the file named by
/// `config_file` (or $COURIER_CONFIG when empty), the environment, then `flags`.
Properties resolve_kafka_properties(const Properties& flags, const std::filesystem::path& config_file = {});

/// Keys whose values must never be printed (passwords, secrets, keys).
bool is_secret_property(std::string_view key) noexcept;

}  // namespace courier
