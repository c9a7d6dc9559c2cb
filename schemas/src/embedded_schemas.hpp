#pragma once
// The schema files compiled into the library by cmake/embed_schemas.cmake.

#include <span>
#include <string_view>

namespace courier::schemas::detail {

struct EmbeddedSchemaFile {
    std::string_view path;  ///< relative to schemas/, e.g. order/placed.v1.schema.json
    std::string_view text;
};

/// Every schemas/<domain>/*.schema.json file, sorted by path.
std::span<const EmbeddedSchemaFile> embedded_schema_files() noexcept;

}  // namespace courier::schemas::detail
