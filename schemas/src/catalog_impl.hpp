#pragma once
// SchemaCatalog's private state, shared by the catalog and the typed message codecs.

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "courier/core/result.hpp"
#include "courier/schemas/schema_catalog.hpp"
#include "schema_document_pool.hpp"

namespace courier::schemas {

namespace detail {

/// One loaded schema: what it is, its checked document, and compiled copies of it.
struct CompiledSchema {
    SchemaInfo info;
    std::unique_ptr<rapidjson::Document> document;  // outlives pool, which compiles from it
    std::unique_ptr<SchemaDocumentPool> pool;
};

/// The typed codecs' way in: parse and validate a payload into a document to read fields from.
struct CatalogAccess {
    /// The payload parsed within the catalog's limits and valid against `type`'s schema, or the error
    /// validate() would give, with the given kind.
    static Result<std::unique_ptr<rapidjson::Document>> parse_valid(const SchemaCatalog& catalog,
                                                                    std::string_view type,
                                                                    std::string_view payload, ErrorKind kind);
};

}  // namespace detail

struct SchemaCatalog::Impl {
    std::map<std::string, std::unique_ptr<detail::CompiledSchema>, std::less<>> schemas;
    Limits limits;

    /// Checks `payload` against `type`; every error gets `kind`.
    Result<void> check(std::string_view type, std::string_view payload, ErrorKind kind) const;
    /// The schema of `type`, or the unknown-type error.
    Result<const detail::CompiledSchema*> lookup(std::string_view type, ErrorKind kind) const;
};

}  // namespace courier::schemas
