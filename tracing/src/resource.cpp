#include "courier/tracing/resource.hpp"

#include <fstream>

namespace courier::tracing {

namespace {

constexpr std::string_view kSdkVersion = "0.1.0";

std::string executable_name() {
    std::ifstream comm("/proc/self/comm");
    std::string name;
    std::getline(comm, name);
    return name.empty() ? std::string("courier") : name;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) return false;
        auto digit = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        int high = digit(in[i + 1]), low = digit(in[i + 2]);
        if (high < 0 || low < 0) return false;
        out += static_cast<char>(high << 4 | low);
        i += 2;
    }
    return true;
}

}  // namespace

Resource Resource::make(std::string_view service_name, const Attributes& extra) {
    Resource resource;
    std::string name(service_name);
    if (name.empty()) {
        if (const auto* value = extra.find("service.name");
            value && std::holds_alternative<std::string>(*value)) {
            name = std::get<std::string>(*value);
        }
    }
    if (name.empty()) name = "unknown_service:" + executable_name();
    resource.attributes.set("service.name", name);
    resource.attributes.set("telemetry.sdk.name", std::string("courier"));
    resource.attributes.set("telemetry.sdk.language", std::string("cpp"));
    resource.attributes.set("telemetry.sdk.version", std::string(kSdkVersion));
    for (const auto& item : extra) {
        if (item.key == "service.name") continue;
        resource.attributes.set(item.key, item.value);
    }
    return resource;
}

std::string Resource::service_name() const {
    const auto* value = attributes.find("service.name");
    return value && std::holds_alternative<std::string>(*value) ? std::get<std::string>(*value)
                                                                : std::string();
}

std::optional<Attributes> parse_key_value_list(std::string_view text, std::string* error) {
    Attributes out;
    std::size_t start = 0;
    std::string key, value;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        auto item = trim(
            text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
        if (item.empty()) continue;
        auto eq = item.find('=');
        auto fail = [&](std::string why) -> std::optional<Attributes> {
            if (error) *error = "'" + std::string(item) + "': " + why;
            return std::nullopt;
        };
        if (eq == std::string_view::npos) return fail("no '=' (expected key=value)");
        if (!percent_decode(trim(item.substr(0, eq)), key)) return fail("bad %-escape in the key");
        if (key.empty()) return fail("empty key");
        if (!percent_decode(trim(item.substr(eq + 1)), value)) return fail("bad %-escape in the value");
        out.set(key, value);
    }
    return out;
}

}  // namespace courier::tracing
