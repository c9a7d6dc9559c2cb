#include "courier/http/json.hpp"

#include <rapidjson/error/en.h>

#include "courier/http/http_error.hpp"

namespace courier::http {

namespace {

std::string field_name(std::string_view field, std::string_view context) {
    std::string name;
    if (!context.empty()) {
        name += context;
        name += '.';
    }
    name += field;
    return name;
}

std::string_view kind_of(const rapidjson::Value& value) {
    switch (value.GetType()) {
        case rapidjson::kNullType:
            return "null";
        case rapidjson::kFalseType:
        case rapidjson::kTrueType:
            return "boolean";
        case rapidjson::kObjectType:
            return "object";
        case rapidjson::kArrayType:
            return "array";
        case rapidjson::kStringType:
            return "string";
        case rapidjson::kNumberType:
            return value.IsDouble() ? "a number with a fraction or exponent" : "integer";
    }
    return "unknown";
}

[[noreturn]] void invalid_field(std::string_view field, std::string_view context, std::string_view expected,
                                const rapidjson::Value* got) {
    std::string message = "field '" + field_name(field, context) + "' ";
    if (got) {
        message += "must be " + std::string(expected) + ", got " + std::string(kind_of(*got));
        if (got->IsUint64() && !got->IsInt64()) message += " out of int64 range";
    } else {
        message += "is required: expected " + std::string(expected);
    }
    throw HttpError(400, "invalid_field", std::move(message));
}

// The member, or nullptr when absent. A non-object `object` is the caller's body or nested value of
// the wrong shape: a client mistake too.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view field,
                               std::string_view context) {
    if (!object.IsObject()) {
        std::string where = context.empty() ? std::string("request body") : "'" + std::string(context) + "'";
        throw HttpError(400, "invalid_body",
                        where + " must be a JSON object, got " + std::string(kind_of(object)));
    }
    auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(field.data(), field.size())));
    return it == object.MemberEnd() ? nullptr : &it->value;
}

const rapidjson::Value& required(const rapidjson::Value& object, std::string_view field,
                                 std::string_view context, std::string_view expected) {
    const rapidjson::Value* value = member(object, field, context);
    if (!value) invalid_field(field, context, expected, nullptr);
    return *value;
}

// Absent and null read as "not given".
const rapidjson::Value* optional(const rapidjson::Value& object, std::string_view field,
                                 std::string_view context) {
    const rapidjson::Value* value = member(object, field, context);
    return value && !value->IsNull() ? value : nullptr;
}

bool is_json_media_type(std::string_view content_type) {
    std::string_view media = content_type.substr(0, content_type.find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
    if (iequals(media, "application/json")) return true;
    return media.size() > 5 && iequals(media.substr(media.size() - 5), "+json");
}

}  // namespace

rapidjson::Document parse_json_body(const Request& request) {
    if (auto content_type = request.header("Content-Type");
        content_type && !is_json_media_type(*content_type)) {
        throw HttpError(415, "unsupported_media_type",
                        "Content-Type must be application/json, got '" + *content_type + "'");
    }
    if (request.body.empty())
        throw HttpError(400, "malformed_json", "request body is empty: expected a JSON object");
    rapidjson::Document document;
    document.Parse(request.body.data(), request.body.size());
    if (document.HasParseError()) {
        throw HttpError(400, "malformed_json",
                        "request body is not valid JSON: " +
                            std::string(rapidjson::GetParseError_En(document.GetParseError())) +
                            " (at byte offset " + std::to_string(document.GetErrorOffset()) + ")");
    }
    if (!document.IsObject()) {
        throw HttpError(400, "invalid_body",
                        "request body must be a JSON object, got " + std::string(kind_of(document)));
    }
    return document;
}

std::string require_string(const rapidjson::Value& object, std::string_view field, std::string_view context) {
    const auto& value = required(object, field, context, "a string");
    if (!value.IsString()) invalid_field(field, context, "a string", &value);
    return std::string(value.GetString(), value.GetStringLength());
}

int64_t require_int(const rapidjson::Value& object, std::string_view field, std::string_view context) {
    const auto& value = required(object, field, context, "an integer");
    if (!value.IsInt64()) invalid_field(field, context, "an integer", &value);
    return value.GetInt64();
}

bool require_bool(const rapidjson::Value& object, std::string_view field, std::string_view context) {
    const auto& value = required(object, field, context, "a boolean");
    if (!value.IsBool()) invalid_field(field, context, "a boolean", &value);
    return value.GetBool();
}

const rapidjson::Value& require_array(const rapidjson::Value& object, std::string_view field,
                                      std::string_view context) {
    const auto& value = required(object, field, context, "an array");
    if (!value.IsArray()) invalid_field(field, context, "an array", &value);
    return value;
}

const rapidjson::Value& require_object(const rapidjson::Value& object, std::string_view field,
                                       std::string_view context) {
    const auto& value = required(object, field, context, "an object");
    if (!value.IsObject()) invalid_field(field, context, "an object", &value);
    return value;
}

std::optional<int64_t> optional_int(const rapidjson::Value& object, std::string_view field,
                                    std::string_view context) {
    const auto* value = optional(object, field, context);
    if (!value) return std::nullopt;
    if (!value->IsInt64()) invalid_field(field, context, "an integer", value);
    return value->GetInt64();
}

std::optional<std::string> optional_string(const rapidjson::Value& object, std::string_view field,
                                           std::string_view context) {
    const auto* value = optional(object, field, context);
    if (!value) return std::nullopt;
    if (!value->IsString()) invalid_field(field, context, "a string", value);
    return std::string(value->GetString(), value->GetStringLength());
}

std::optional<bool> optional_bool(const rapidjson::Value& object, std::string_view field,
                                  std::string_view context) {
    const auto* value = optional(object, field, context);
    if (!value) return std::nullopt;
    if (!value->IsBool()) invalid_field(field, context, "a boolean", value);
    return value->GetBool();
}

std::string to_json(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

JsonWriter::JsonWriter() : writer_(buffer_) {}

JsonWriter& JsonWriter::begin_object() {
    writer_.StartObject();
    return *this;
}
JsonWriter& JsonWriter::end_object() {
    writer_.EndObject();
    return *this;
}
JsonWriter& JsonWriter::begin_array() {
    writer_.StartArray();
    return *this;
}
JsonWriter& JsonWriter::end_array() {
    writer_.EndArray();
    return *this;
}
JsonWriter& JsonWriter::key(std::string_view name) {
    writer_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()), true);
    return *this;
}
JsonWriter& JsonWriter::string(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()), true);
    return *this;
}
JsonWriter& JsonWriter::integer(int64_t value) {
    writer_.Int64(value);
    return *this;
}
JsonWriter& JsonWriter::number(double value) {
    writer_.Double(value);
    return *this;
}
JsonWriter& JsonWriter::boolean(bool value) {
    writer_.Bool(value);
    return *this;
}
JsonWriter& JsonWriter::null() {
    writer_.Null();
    return *this;
}
JsonWriter& JsonWriter::value(const rapidjson::Value& value) {
    value.Accept(writer_);
    return *this;
}

std::string JsonWriter::str() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

}  // namespace courier::http
