#include "courier/outbox/header_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "base64.hpp"

namespace courier::outbox {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void append_entry(std::string& out, std::string_view name, std::string_view value) {
    out += '{';
    if (is_json_safe_text(name)) {
        out += "\"name\":";
        append_json_string(out, name);
    } else {
        out += "\"name_base64\":";
        append_json_string(out, detail::base64_encode(name));
    }
    if (is_json_safe_text(value)) {
        out += ",\"value\":";
        append_json_string(out, value);
    } else {
        out += ",\"base64\":";
        append_json_string(out, detail::base64_encode(value));
    }
    out += '}';
}

Error bad(std::string message) {
    return Error::poison("outbox.headers", "stored headers: " + std::move(message));
}

// One of `text_key` (plain) or `base64_key` (encoded) must be a string member of `entry`.
Result<std::string> field(const rapidjson::Value& entry, const char* text_key, const char* base64_key,
                          std::size_t index) {
    auto text = entry.FindMember(text_key);
    auto encoded = entry.FindMember(base64_key);
    const bool has_text = text != entry.MemberEnd();
    const bool has_encoded = encoded != entry.MemberEnd();
    if (has_text == has_encoded) {
        return bad("entry " + std::to_string(index) + " needs exactly one of \"" + text_key + "\" and \"" +
                   base64_key + "\"");
    }
    const rapidjson::Value& value = has_text ? text->value : encoded->value;
    if (!value.IsString())
        return bad("entry " + std::to_string(index) + ": \"" + (has_text ? text_key : base64_key) +
                   "\" is not a string");
    std::string_view raw(value.GetString(), value.GetStringLength());
    if (has_text) return std::string(raw);
    auto decoded = detail::base64_decode(raw);
    if (!decoded)
        return bad("entry " + std::to_string(index) + ": \"" + base64_key + "\" is not valid base64");
    return std::move(*decoded);
}

}  // namespace

bool is_json_safe_text(std::string_view bytes) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* end = p + bytes.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c == 0) return false;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t length;
        unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0) low = 0xA0;   // overlong
            if (c == 0xED) high = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0) low = 0x90;   // overlong
            if (c == 0xF4) high = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) < length) return false;
        if (p[1] < low || p[1] > high) return false;
        for (std::size_t i = 2; i < length; ++i) {
            if (p[i] < 0x80 || p[i] > 0xBF) return false;
        }
        p += length;
    }
    return true;
}

std::string encode_headers(const Headers& headers) {
    std::string out = "[";
    for (const Header& h : headers) append_header(out, h.name, h.value);
    if (out.size() == 1) out += ']';
    return out;
}

void append_header(std::string& json, std::string_view name, std::string_view value) {
    // encode_headers' output is "[...]" or "[]": reopen the array, add, close it again.
    if (!json.empty() && json.back() == ']') json.pop_back();
    if (json.empty()) json = "[";
    if (json.size() > 1) json += ',';
    append_entry(json, name, value);
    json += ']';
}

Result<Headers> decode_headers(std::string_view json) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    if (document.HasParseError()) {
        return bad(std::string("not JSON (") + rapidjson::GetParseError_En(document.GetParseError()) +
                   " at offset " + std::to_string(document.GetErrorOffset()) + ")");
    }
    if (!document.IsArray()) return bad("not a JSON array");
    Headers headers;
    headers.reserve(document.Size());
    std::size_t index = 0;
    for (const auto& entry : document.GetArray()) {
        if (!entry.IsObject()) return bad("entry " + std::to_string(index) + " is not an object");
        auto name = field(entry, "name", "name_base64", index);
        if (!name) return std::move(name).error();
        auto value = field(entry, "value", "base64", index);
        if (!value) return std::move(value).error();
        headers.add(std::move(*name), std::move(*value));
        ++index;
    }
    return headers;
}

}  // namespace courier::outbox
