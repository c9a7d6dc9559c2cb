#include "courier/tracing/span_context.hpp"

#include <algorithm>
#include <cstring>
#include <random>

namespace courier::tracing {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

template <std::size_t N>
std::string to_hex(const std::array<uint8_t, N>& bytes) {
    std::string out(2 * N, '0');
    for (std::size_t i = 0; i < N; ++i) {
        out[2 * i] = kHexDigits[bytes[i] >> 4];
        out[2 * i + 1] = kHexDigits[bytes[i] & 0x0f];
    }
    return out;
}

// Lowercase only: W3C trace context defines ids as HEXDIGLC. A table: every consumed message's
// traceparent goes through here.
constexpr std::array<int8_t, 256> kHexValue = [] {
    std::array<int8_t, 256> table{};
    for (auto& v : table) v = -1;
    for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<int8_t>(c - 'a' + 10);
    return table;
}();

int hex_value(char c) noexcept { return kHexValue[static_cast<unsigned char>(c)]; }

template <std::size_t N>
bool from_hex(std::string_view text, std::array<uint8_t, N>& out) noexcept {
    if (text.size() != 2 * N) return false;
    std::array<uint8_t, N> bytes{};
    for (std::size_t i = 0; i < N; ++i) {
        int high = hex_value(text[2 * i]);
        int low = hex_value(text[2 * i + 1]);
        if (high < 0 || low < 0) return false;
        bytes[i] = static_cast<uint8_t>(high << 4 | low);
    }
    out = bytes;
    return true;
}

template <std::size_t N>
bool any_nonzero(const std::array<uint8_t, N>& bytes) noexcept {
    return std::any_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; });
}

// splitmix64 over a per-thread state seeded once from random_device: ids need to be unique and
// unpredictable enough for sampling decisions, not cryptographic, and must cost nanoseconds on
// the message path.
uint64_t next_random() noexcept {
    thread_local uint64_t state = [] {
        std::random_device device;
        return (uint64_t{device()} << 32) ^ device();
    }();
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

bool TraceId::valid() const noexcept { return any_nonzero(bytes); }
std::string TraceId::hex() const { return to_hex(bytes); }
bool SpanId::valid() const noexcept { return any_nonzero(bytes); }
std::string SpanId::hex() const { return to_hex(bytes); }

TraceId new_trace_id() noexcept {
    TraceId id;
    do {
        uint64_t high = next_random(), low = next_random();
        std::memcpy(id.bytes.data(), &high, 8);
        std::memcpy(id.bytes.data() + 8, &low, 8);
    } while (!id.valid());
    return id;
}

SpanId new_span_id() noexcept {
    SpanId id;
    do {
        uint64_t value = next_random();
        std::memcpy(id.bytes.data(), &value, 8);
    } while (!id.valid());
    return id;
}

bool parse_hex(std::string_view text, TraceId& out) noexcept { return from_hex(text, out.bytes); }
bool parse_hex(std::string_view text, SpanId& out) noexcept { return from_hex(text, out.bytes); }

}  // namespace courier::tracing
