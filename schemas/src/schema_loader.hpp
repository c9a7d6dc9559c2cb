#pragma once
// Loading one schema text into a checked document. RapidJSON 1.1.0 compiles whatever it is given
// without a word (a typo'd keyword, a pattern it cannot compile and an unresolvable $ref are all
// silently ignored), so the catalog checks what RapidJSON does not before it trusts a schema.

#include <rapidjson/document.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace courier::schemas::detail {

/// Schemas are trusted configuration, but `courier schema check` reads any file: bound them too.
inline constexpr std::size_t kMaxSchemaBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxSchemaDepth = 128;

/// Parses `text` and checks it: one JSON object within the limits above, valid against the draft-04
/// meta-schema, $schema (if any) naming draft-04, only known keywords (or x- extensions), no keyword
/// beside $ref but title/description, local $refs that resolve and do not loop, patterns that
/// RapidJSON's regex engine compiles, no required property that additionalProperties: false forbids,
/// no minimum above its maximum. Throws SchemaLoadError(file, reason).
std::unique_ptr<rapidjson::Document> load_schema_document(const std::string& file, std::string_view text);

/// The ce_type `<prefix>.<domain>.<name>.v<N>` of `<domain>/<file_name>`, where file_name must be
/// `<name>.v<N>.schema.json`, name and domain lowercase words joined by '-', N a positive integer.
/// Throws SchemaLoadError(where, ...) otherwise.
std::string type_for_schema_file(std::string_view domain, std::string_view file_name, std::string_view prefix,
                                 const std::string& where);

}  // namespace courier::schemas::detail
