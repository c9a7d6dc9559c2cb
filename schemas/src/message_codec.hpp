#pragma once
// The one place the typed store messages meet RapidJSON: a writer for to_json and a field reader
// for from_json, which reads only documents the embedded catalog already validated.

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "courier/core/result.hpp"

namespace courier::schemas::detail {

/// Writes one JSON object; field order is the caller's.
class JsonWriter {
public:
    JsonWriter() : writer_(buffer_) {}

    void begin_object() { writer_.StartObject(); }
    void end_object() { writer_.EndObject(); }
    void begin_array(std::string_view name) {
        key(name);
        writer_.StartArray();
    }
    void end_array() { writer_.EndArray(); }
    void begin_object(std::string_view name) {
        key(name);
        writer_.StartObject();
    }

    void text(std::string_view name, std::string_view value) {
        key(name);
        writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
    void optional_text(std::string_view name, const std::optional<std::string>& value) {
        if (value) text(name, *value);
    }
    void integer(std::string_view name, int64_t value) {
        key(name);
        writer_.Int64(value);
    }
    void boolean(std::string_view name, bool value) {
        key(name);
        writer_.Bool(value);
    }

    std::string take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

private:
    void key(std::string_view name) {
        writer_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    }

    rapidjson::StringBuffer buffer_;
    rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

/// Reads the fields of one object. A missing field or a wrong type (which schema validation rules out,
/// unless a struct and its schema disagree) records the first error and yields a default value.
class FieldReader {
public:
    FieldReader(const rapidjson::Value& object, std::string at, std::string& error)
        : object_(object), at_(std::move(at)), error_(error) {}

    std::string text(const char* name);
    std::optional<std::string> optional_text(const char* name);
    int64_t integer(const char* name);
    bool boolean(const char* name);
    /// The nested object `name` (an empty object on error).
    FieldReader object(const char* name);
    /// Each element of the array `name`, read by `read(FieldReader&)`; a missing optional array is empty.
    template <typename Read>
    auto list(const char* name, Read read, bool required = true) {
        std::vector<decltype(read(std::declval<FieldReader&>()))> out;
        const rapidjson::Value* array = member(name, required);
        if (!array) return out;
        if (!array->IsArray()) {
            fail(name, "is not an array");
            return out;
        }
        out.reserve(array->Size());
        for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
            FieldReader item((*array)[i], at_ + "/" + name + "/" + std::to_string(i), error_);
            if (!(*array)[i].IsObject()) item.fail_here("is not an object");
            out.push_back(read(item));
        }
        return out;
    }
    /// Records an error about field `name` (e.g. an enum value the struct does not know).
    void fail(const char* name, const std::string& what);

private:
    const rapidjson::Value* member(const char* name, bool required);
    void fail_here(const std::string& what);

    const rapidjson::Value& object_;
    std::string at_;
    std::string& error_;
};

/// Validates `payload` against `type` in the embedded catalog and reads it with `read(FieldReader&)`.
/// Every error is poison.
Result<std::unique_ptr<rapidjson::Document>> parse_valid_payload(std::string_view type,
                                                                 std::string_view payload);

template <typename T, typename Read>
Result<T> decode(std::string_view type, std::string_view payload, Read read) {
    auto document = parse_valid_payload(type, payload);
    if (!document) return std::move(document).error();
    std::string error;
    FieldReader reader(**document, "#", error);
    T value = read(reader);
    if (!error.empty()) return Error::poison("schema.decode", std::string(type) + ": " + error);
    return value;
}

}  // namespace courier::schemas::detail
