#pragma once
// Helpers shared by the schemas unit tests: a temporary folder and JSON editing with RapidJSON
// (tests may use it; the library's public headers do not).

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/ids.hpp"

namespace courier::schemas::testing {

/// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TemporaryFolder {
public:
    TemporaryFolder() : path_(std::filesystem::temp_directory_path() / ("courier-schemas-" + new_uuid())) {
        std::filesystem::create_directories(path_);
    }
    ~TemporaryFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// Writes `text` to `relative` (creating folders) and returns the full path.
    std::filesystem::path write(const std::string& relative, std::string_view text) const {
        auto file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

private:
    std::filesystem::path path_;
};

inline rapidjson::Document parse(std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    return d;
}

inline std::string to_text(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

/// The "examples" of a schema text, each as compact JSON.
inline std::vector<std::string> examples_of(std::string_view schema_text) {
    auto schema = parse(schema_text);
    std::vector<std::string> out;
    if (!schema.IsObject() || !schema.HasMember("examples")) return out;
    for (const auto& example : schema["examples"].GetArray()) out.push_back(to_text(example));
    return out;
}

/// True when two JSON texts hold equal values (object member order does not matter).
inline bool same_json(std::string_view a, std::string_view b) { return parse(a) == parse(b); }

/// A schema allowing any object, for limit tests that need deep or large payloads to be valid.
inline constexpr std::string_view kOpenObjectSchema = R"({"type": "object"})";

/// A minimal valid schema with one required, bounded property.
inline constexpr std::string_view kSmallSchema = R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "description": "a small test schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["id"],
  "properties": {"id": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8}}
})";

}  // namespace courier::schemas::testing
