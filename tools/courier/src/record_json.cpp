#include "courier/cli/record_json.hpp"

#include <cstdint>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "courier/core/base64.hpp"
#include "courier/core/errors.hpp"

namespace courier::cli {

bool is_valid_utf8(std::string_view s) noexcept {
    // The well-formed sequences of Unicode 15 table 3-7: no overlongs, surrogates or > U+10FFFF.
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<uint8_t>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        uint8_t low = 0x80, high = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            length = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            length = 3;
            if (c == 0xe0) low = 0xa0;
            if (c == 0xed) high = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            length = 4;
            if (c == 0xf0) low = 0x90;
            if (c == 0xf4) high = 0x8f;
        } else {
            return false;
        }
        if (s.size() - i < length) return false;
        auto second = static_cast<uint8_t>(s[i + 1]);
        if (second < low || second > high) return false;
        for (std::size_t k = 2; k < length; ++k) {
            if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return false;
        }
        i += length;
    }
    return true;
}

namespace {
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_bytes(Writer& w, const char* name, const std::string& bytes) {
    if (is_valid_utf8(bytes)) {
        w.Key(name);
        w.String(bytes.data(), static_cast<rapidjson::SizeType>(bytes.size()));
    } else {
        std::string key = std::string(name) + "_base64";
        w.Key(key.c_str());
        auto encoded = courier::base64_encode(bytes);
        w.String(encoded.data(), static_cast<rapidjson::SizeType>(encoded.size()));
    }
}

[[noreturn]] void bad(std::string_view where, const std::string& what) {
    throw ConfigError(std::string(where) + ": " + what,
                      "each line must be a JSON object like {\"key\":\"k\",\"value\":\"v\",\"headers\":[{\"name\":"
                      "\"n\",\"value\":\"x\"}]}");
}

// Reads "<name>" as a UTF-8 string or "<name>_base64" as bytes; nullopt when neither is there.
std::optional<std::string> read_bytes(const rapidjson::Value& object, const std::string& name, std::string_view where,
                                      bool allow_null) {
    if (auto it = object.FindMember(name.c_str()); it != object.MemberEnd()) {
        if (it->value.IsNull() && allow_null) return std::nullopt;
        if (!it->value.IsString()) bad(where, "\"" + name + "\" must be a string");
        return std::string(it->value.GetString(), it->value.GetStringLength());
    }
    auto b64 = name + "_base64";
    if (auto it = object.FindMember(b64.c_str()); it != object.MemberEnd()) {
        if (!it->value.IsString()) bad(where, "\"" + b64 + "\" must be a base64 string");
        auto bytes = courier::base64_decode({it->value.GetString(), it->value.GetStringLength()});
        if (!bytes) bad(where, "\"" + b64 + "\" is not padded base64 (RFC 4648)");
        return std::move(*bytes);
    }
    return std::nullopt;
}
}  // namespace

std::string to_json_line(const Message& m) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("topic");
    w.String(m.topic.c_str(), static_cast<rapidjson::SizeType>(m.topic.size()));
    if (m.metadata) {
        w.Key("partition");
        w.Int(m.metadata->partition);
        w.Key("offset");
        w.Int64(m.metadata->offset);
        w.Key("timestamp");
        w.Int64(m.metadata->timestamp_ms);
    }
    if (m.key) {
        write_bytes(w, "key", *m.key);
    } else {
        w.Key("key");
        w.Null();
    }
    write_bytes(w, "value", m.payload);
    w.Key("headers");
    w.StartArray();
    for (const auto& h : m.headers) {
        w.StartObject();
        w.Key("name");
        w.String(h.name.c_str(), static_cast<rapidjson::SizeType>(h.name.size()));
        write_bytes(w, "value", h.value);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

Message from_json_line(std::string_view line, std::string_view where, const std::string& default_topic) {
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError()) {
        bad(where, std::string("invalid JSON at character ") + std::to_string(doc.GetErrorOffset()) + ": " +
                       rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject()) bad(where, "expected a JSON object");
    Message m;
    m.topic = default_topic;
    if (auto it = doc.FindMember("topic"); it != doc.MemberEnd() && default_topic.empty()) {
        if (!it->value.IsString()) bad(where, "\"topic\" must be a string");
        m.topic = it->value.GetString();
    }
    if (auto it = doc.FindMember("partition"); it != doc.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsInt()) bad(where, "\"partition\" must be an integer");
        m.partition = it->value.GetInt();
    }
    m.key = read_bytes(doc, "key", where, true);
    m.payload = read_bytes(doc, "value", where, false).value_or("");
    if (auto it = doc.FindMember("headers"); it != doc.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsArray()) bad(where, "\"headers\" must be an array of {\"name\",\"value\"} objects");
        for (const auto& h : it->value.GetArray()) {
            if (!h.IsObject() || !h.HasMember("name") || !h["name"].IsString()) {
                bad(where, "each header must be an object with a string \"name\"");
            }
            m.headers.add(h["name"].GetString(), read_bytes(h, "value", where, false).value_or(""));
        }
    }
    return m;
}

}  // namespace courier::cli
