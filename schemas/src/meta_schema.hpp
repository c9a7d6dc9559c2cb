#pragma once
// The JSON Schema draft-04 meta-schema: every catalog schema must validate against it, since
// RapidJSON 1.1.0 compiles a malformed schema without a word and then validates wrongly.

#include <rapidjson/document.h>
#include <rapidjson/schema.h>

namespace courier::schemas::detail {

/// The meta-schema as a document (for describing violations) and compiled. Built on first use;
/// thread-safe to share: it has no "pattern", so no RapidJSON regex state.
const rapidjson::Document& draft04_meta_schema_document();
const rapidjson::SchemaDocument& draft04_meta_schema();

}  // namespace courier::schemas::detail
