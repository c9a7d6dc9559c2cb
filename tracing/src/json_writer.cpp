#include "json_writer.hpp"

#include <charconv>
#include <cstdio>

namespace courier::tracing::detail {

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char lead = byte(i);
    std::size_t length;
    uint32_t min;
    uint32_t code;
    if (lead < 0x80) return 1;
    if ((lead & 0xe0) == 0xc0) {
        length = 2, min = 0x80, code = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3, min = 0x800, code = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4, min = 0x10000, code = lead & 0x07;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        code = code << 6 | (byte(i + k) & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
    return length;
}

namespace {

// Bytes that end a plain run: control characters, '"', '\\' and every non-ASCII byte (checked as
// UTF-8 separately).
constexpr std::array<bool, 256> kSpecial = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
    return table;
}();

}  // namespace

void JsonWriter::string(std::string_view text) {
    out_ += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        // Copy the longest run that needs no escaping in one append.
        std::size_t run = i;
        while (run < text.size() && !kSpecial[static_cast<unsigned char>(text[run])]) ++run;
        out_.append(text.substr(i, run - i));
        i = run;
        if (i == text.size()) break;
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t length = utf8_sequence_length(text, i);
            if (length == 0) {
                out_.append("\xef\xbf\xbd");  // U+FFFD REPLACEMENT CHARACTER
                ++i;
            } else {
                out_.append(text.substr(i, length));
                i += length;
            }
            continue;
        }
        switch (c) {
            case '"':
                out_.append("\\\"");
                break;
            case '\\':
                out_.append("\\\\");
                break;
            case '\n':
                out_.append("\\n");
                break;
            case '\r':
                out_.append("\\r");
                break;
            case '\t':
                out_.append("\\t");
                break;
            case '\b':
                out_.append("\\b");
                break;
            case '\f':
                out_.append("\\f");
                break;
            default: {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out_.append(escaped);
            }
        }
        ++i;
    }
    out_ += '"';
}

void JsonWriter::quoted_integer(uint64_t value) {
    out_ += '"';
    integer(value);
    out_ += '"';
}

void JsonWriter::quoted_integer(int64_t value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_ += '"';
    out_.append(digits, end);
    out_ += '"';
}

void JsonWriter::integer(uint64_t value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, end);
}

void JsonWriter::number(double value) {
    if (std::isnan(value)) {
        out_.append("\"NaN\"");
    } else if (std::isinf(value)) {
        out_.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
        char digits[32];
        // Shortest round-trip form.
        auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
        out_.append(digits, end);
    }
}

}  // namespace courier::tracing::detail
