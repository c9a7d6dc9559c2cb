#pragma once
// A minimal JSON writer into a std::string: just what the OTLP encoder needs, fast on ASCII.

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace courier::tracing::detail {

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    void raw(std::string_view text) { out_.append(text); }
    void raw(char c) { out_ += c; }

    /// "key": (no comma handling: callers write ',' themselves).
    void key(std::string_view name) {
        out_ += '"';
        out_.append(name);
        out_.append("\":");
    }

    /// A JSON string, escaped; invalid UTF-8 bytes become U+FFFD.
    void string(std::string_view text);

    /// A 64-bit integer as a decimal JSON string, as proto3 JSON maps (s)fixed64 and int64.
    void quoted_integer(uint64_t value);
    void quoted_integer(int64_t value);
    void integer(uint64_t value);
    /// A double; NaN and infinities as proto3 JSON's "NaN", "Infinity", "-Infinity".
    void number(double value);
    void boolean(bool value) { out_.append(value ? "true" : "false"); }
    /// Bytes as lowercase hex, quoted (trace and span ids), without a temporary string.
    template <std::size_t N>
    void hex(const std::array<uint8_t, N>& bytes) {
        static constexpr char kDigits[] = "0123456789abcdef";
        char text[2 * N + 2];
        text[0] = '"';
        for (std::size_t i = 0; i < N; ++i) {
            text[1 + 2 * i] = kDigits[bytes[i] >> 4];
            text[2 + 2 * i] = kDigits[bytes[i] & 0x0f];
        }
        text[2 * N + 1] = '"';
        out_.append(text, sizeof text);
    }

private:
    std::string& out_;
};

/// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

}  // namespace courier::tracing::detail
