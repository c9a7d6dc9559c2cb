#pragma once
// JSON request bodies in, JSON response bodies out. RapidJSON is heavy: include this header only
// where a handler reads or writes JSON, never from server.hpp.
//
// Every helper that rejects client input throws HttpError (status 400 unless noted), which the
// server turns into {"error":{"code":...,"message":...}}. Messages name the field and what was
// expected, e.g. "field 'quantity' must be an integer, got string". `context` (optional) prefixes the
// field name for nested values: require_int(item, "quantity", "items[2]") names 'items[2].quantity'.

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "courier/http/http_error.hpp"
#include "courier/http/request.hpp"

namespace courier::http {

/// Parses the request body as a JSON object. Throws HttpError: 415 "unsupported_media_type" when a
/// Content-Type header is present and is not application/json (or any "+json" type); 400
/// "malformed_json" for an empty body or a parse error (message: RapidJSON's error text and the
/// byte offset); 400 "invalid_body" when the top-level value is not an object.
rapidjson::Document parse_json_body(const Request& request);

/// A string field. Missing, null or another type: 400 "invalid_field".
std::string require_string(const rapidjson::Value& object, std::string_view field,
                           std::string_view context = {});
/// An integer field: JSON integers in int64 range only (1.0 and 1e3 are rejected).
int64_t require_int(const rapidjson::Value& object, std::string_view field, std::string_view context = {});
bool require_bool(const rapidjson::Value& object, std::string_view field, std::string_view context = {});
const rapidjson::Value& require_array(const rapidjson::Value& object, std::string_view field,
                                      std::string_view context = {});
const rapidjson::Value& require_object(const rapidjson::Value& object, std::string_view field,
                                       std::string_view context = {});

/// Absent or null: nullopt; present with another type: 400 "invalid_field".
std::optional<int64_t> optional_int(const rapidjson::Value& object, std::string_view field,
                                    std::string_view context = {});
std::optional<std::string> optional_string(const rapidjson::Value& object, std::string_view field,
                                           std::string_view context = {});
std::optional<bool> optional_bool(const rapidjson::Value& object, std::string_view field,
                                  std::string_view context = {});

/// Compact JSON text of any value.
std::string to_json(const rapidjson::Value& value);

/// A thin convenience over rapidjson::Writer<StringBuffer> to build response bodies; calls chain:
///   JsonWriter w; w.begin_object().key("id").string(id).key("stock").integer(5).end_object();
///   return Response::json(201, w.str());
/// Strings must be UTF-8 (invalid bytes are written as they are). Misuse (a value where a key is
/// expected, unbalanced ends) is a programming error, caught by RapidJSON's asserts in debug builds.
class JsonWriter {
public:
    JsonWriter();
    JsonWriter(const JsonWriter&) = delete;  // the writer points into the buffer
    JsonWriter& operator=(const JsonWriter&) = delete;

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& string(std::string_view value);
    JsonWriter& integer(int64_t value);
    JsonWriter& number(double value);
    JsonWriter& boolean(bool value);
    JsonWriter& null();
    /// Writes a RapidJSON value (e.g. part of a parsed request) as it is.
    JsonWriter& value(const rapidjson::Value& value);

    /// The text written so far (complete once every begin_* has its end_*).
    std::string str() const;

private:
    rapidjson::StringBuffer buffer_;
    rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace courier::http
