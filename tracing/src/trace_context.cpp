#include "courier/tracing/trace_context.hpp"

#include <algorithm>
#include <vector>

#include "courier/core/cloud_events.hpp"

namespace courier::tracing {

namespace {

constexpr std::size_t kTraceParentSize = 55;  // "00-" + 32 + "-" + 16 + "-" + 2
constexpr std::size_t kMaxTraceStateMembers = 32;

Error bad(std::string_view what, std::string_view value, std::string_view why) {
    // Only the head of a hostile value goes into the message: it ends up in logs.
    std::string shown(value.substr(0, 64));
    return Error::poison("tracing.traceparent." + std::string(what),
                         "invalid traceparent '" + shown + (value.size() > 64 ? "...'" : "'") + ": " +
                             std::string(why) + "; starting a new trace");
}

bool is_lower_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

int hex_byte(std::string_view two) noexcept {
    if (two.size() != 2 || !is_lower_hex(two[0]) || !is_lower_hex(two[1])) return -1;
    auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    return digit(two[0]) << 4 | digit(two[1]);
}

bool is_lcalpha(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_key_char(char c) noexcept {
    return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

bool valid_key(std::string_view key) noexcept {
    auto at = key.find('@');
    if (at == std::string_view::npos) {
        if (key.empty() || key.size() > 256 || !is_lcalpha(key[0])) return false;
        return std::all_of(key.begin(), key.end(), is_key_char);
    }
    auto tenant = key.substr(0, at);
    auto system = key.substr(at + 1);
    if (tenant.empty() || tenant.size() > 241 || !(is_lcalpha(tenant[0]) || is_digit(tenant[0])))
        return false;
    if (system.empty() || system.size() > 14 || !is_lcalpha(system[0])) return false;
    return std::all_of(tenant.begin(), tenant.end(), is_key_char) &&
           std::all_of(system.begin(), system.end(), is_key_char);
}

bool valid_value(std::string_view value) noexcept {
    if (value.empty() || value.size() > 256) return false;
    auto nblk = [](char c) { return c >= 0x21 && c <= 0x7e && c != ',' && c != '='; };
    if (!nblk(value.back())) return false;
    return std::all_of(value.begin(), value.end(), [&](char c) { return c == ' ' || nblk(c); });
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

Result<SpanContext> parse_traceparent(std::string_view value, std::string_view tracestate) {
    if (value.size() < kTraceParentSize) {
        return bad("length", value, "expected 55 characters, got " + std::to_string(value.size()));
    }
    int version = hex_byte(value.substr(0, 2));
    if (version < 0) return bad("version", value, "the version is not two lowercase hex digits");
    if (version == 0xff) return bad("version", value, "version ff is forbidden");
    if (version == 0 && value.size() != kTraceParentSize) {
        return bad("length", value,
                   "version 00 has exactly 55 characters, got " + std::to_string(value.size()));
    }
    // A future version may append fields, but only after another '-'.
    if (value.size() > kTraceParentSize && value[kTraceParentSize] != '-') {
        return bad("format", value, "unexpected data after the flags");
    }
    if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
        return bad("format", value, "fields must be separated by '-' at positions 2, 35 and 52");
    }
    SpanContext context;
    if (!parse_hex(value.substr(3, 32), context.trace_id)) {
        return bad("trace_id", value, "the trace id is not 32 lowercase hex digits");
    }
    if (!context.trace_id.valid()) return bad("trace_id", value, "the trace id is all zeroes");
    if (!parse_hex(value.substr(36, 16), context.span_id)) {
        return bad("span_id", value, "the parent id is not 16 lowercase hex digits");
    }
    if (!context.span_id.valid()) return bad("span_id", value, "the parent id is all zeroes");
    int flags = hex_byte(value.substr(53, 2));
    if (flags < 0) return bad("flags", value, "the flags are not two lowercase hex digits");
    context.flags = static_cast<uint8_t>(flags);
    context.remote = true;
    if (!tracestate.empty()) {
        if (auto state = parse_tracestate(tracestate)) context.trace_state = std::move(*state);
    }
    return context;
}

std::string format_traceparent(const SpanContext& context) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.resize(kTraceParentSize);
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
    std::size_t at = 3;
    for (uint8_t b : context.trace_id.bytes) {
        out[at++] = kHex[b >> 4];
        out[at++] = kHex[b & 0x0f];
    }
    out[at++] = '-';
    for (uint8_t b : context.span_id.bytes) {
        out[at++] = kHex[b >> 4];
        out[at++] = kHex[b & 0x0f];
    }
    out[at++] = '-';
    out[at++] = kHex[context.flags >> 4];
    out[at] = kHex[context.flags & 0x0f];
    return out;
}

std::optional<std::string> parse_tracestate(std::string_view tracestate) {
    std::string out;
    std::vector<std::string_view> keys;
    std::size_t start = 0;
    while (start <= tracestate.size()) {
        auto comma = tracestate.find(',', start);
        auto member = trim(tracestate.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        start = comma == std::string_view::npos ? tracestate.size() + 1 : comma + 1;
        if (member.empty()) continue;
        auto eq = member.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        auto key = member.substr(0, eq);
        if (!valid_key(key) || !valid_value(member.substr(eq + 1))) return std::nullopt;
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) return std::nullopt;
        if (keys.size() == kMaxTraceStateMembers) return std::nullopt;
        keys.push_back(key);
        if (!out.empty()) out += ',';
        out += member;
    }
    return out;
}

void inject(const SpanContext& context, Headers& headers) {
    if (!context.valid()) {
        headers.remove(ce::kTraceParent);
        headers.remove(ce::kTraceState);
        return;
    }
    headers.set(ce::kTraceParent, format_traceparent(context));
    if (context.trace_state.empty()) {
        headers.remove(ce::kTraceState);
    } else {
        headers.set(ce::kTraceState, context.trace_state);
    }
}

Result<SpanContext> extract(const Headers& headers) {
    std::string_view parent;
    std::size_t parents = 0;
    std::string state;
    for (const auto& header : headers) {
        if (header.name == ce::kTraceParent) {
            if (parents > 0 && header.value != parent) {
                return Error::poison("tracing.traceparent.ambiguous",
                                     "the message carries different traceparent values ('" +
                                         std::string(parent) + "' and '" + header.value +
                                         "'); starting a new trace");
            }
            parent = header.value;
            ++parents;
        } else if (header.name == ce::kTraceState) {
            if (!state.empty()) state += ',';
            state += header.value;
        }
    }
    if (parents == 0) return Error::permanent("tracing.traceparent.missing", "no traceparent header");
    return parse_traceparent(parent, state);
}

}  // namespace courier::tracing
