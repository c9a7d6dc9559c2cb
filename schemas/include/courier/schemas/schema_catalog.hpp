#pragma once
// The event catalog (DESIGN.md §8): every message type's JSON Schema, keyed by ce_type, and the
// validation that producers and consumers run against it. RapidJSON stays behind the pimpl.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::schemas {

namespace detail {
struct CatalogAccess;
}

/// Bounds on a payload, checked before and while it is parsed, so a hostile or broken message costs a
/// bounded amount of memory and stack.
struct Limits {
    std::size_t max_bytes = 1024 * 1024;  ///< larger payloads are refused before parsing
    std::size_t max_depth = 64;           ///< nesting of arrays and objects; the root object is depth 1
};

/// One schema of the catalog.
struct SchemaInfo {
    std::string type;         ///< the ce_type it checks, e.g. store.order.placed.v1
    std::string file;         ///< where it came from, e.g. order/placed.v1.schema.json
    std::string description;  ///< the schema's top-level description ("" when it has none)
    std::string text;         ///< the schema document as loaded
};

/// The schemas of every message type, keyed by ce_type (`<prefix>.<domain>.<name>.v<N>`, derived from
/// the file `<domain>/<name>.v<N>.schema.json`). Each schema is checked when it is added: JSON,
/// a valid draft-04 schema (against the draft-04 meta-schema), patterns that compile, local $refs that
/// resolve, no unknown keywords, a "title" (when present) equal to its ce_type.
///
/// Thread-safety: building (load_*, add, set_limits) is not thread-safe; once built, every const member
/// may be called from any number of threads at once. Validation never blocks on I/O; it takes a
/// short lock to borrow a compiled schema (RapidJSON 1.1.0's regex matcher keeps state, so concurrent
/// validations of one type each use their own compiled copy).
class SchemaCatalog {
public:
    /// An empty catalog with default limits.
    SchemaCatalog();
    ~SchemaCatalog();
    SchemaCatalog(SchemaCatalog&&) noexcept;
    SchemaCatalog& operator=(SchemaCatalog&&) noexcept;
    SchemaCatalog(const SchemaCatalog&) = delete;
    SchemaCatalog& operator=(const SchemaCatalog&) = delete;

    /// The store's schemas compiled into the binary at build time (schemas/<domain>/*.schema.json), with
    /// default limits; built on first use (thread-safe) and kept until static destruction at exit. Throws
    /// SchemaLoadError on first use if a compiled-in schema is broken (a unit test makes sure none is).
    static const SchemaCatalog& embedded();

    /// A fresh copy of the compiled-in schemas with the given limits. Throws SchemaLoadError.
    static SchemaCatalog load_embedded(Limits limits = {});

    /// Loads every `<root>/<domain>/<name>.v<N>.schema.json` (other files and deeper folders are
    /// ignored) as type `<prefix>.<domain>.<name>.v<N>` ("" prefix: `<domain>.<name>.v<N>`). Throws
    /// SchemaLoadError naming the file and the reason when root is not a readable folder, holds no
    /// schema, or any schema does not load; nothing is half-loaded.
    static SchemaCatalog load_directory(const std::filesystem::path& root, std::string_view prefix = "store",
                                        Limits limits = {});

    /// Adds one schema under `type`; `file` names it in errors and listings. Throws SchemaLoadError when
    /// the text is not a usable draft-04 schema or the type is already present.
    void add(std::string type, std::string file, std::string_view text);

    void set_limits(Limits limits) noexcept;
    Limits limits() const noexcept;

    bool contains(std::string_view type) const noexcept;
    /// The schema of `type`, if present.
    std::optional<SchemaInfo> find(std::string_view type) const;
    /// Every schema, ordered by type.
    std::vector<SchemaInfo> list() const;
    std::size_t size() const noexcept;

    /// Producer side: checks that `payload` is a JSON document valid against the schema of `type`.
    /// Errors are permanent (retrying cannot help) with code schema.unknown_type, schema.too_large,
    /// schema.too_deep, schema.unparsable or schema.invalid; the message names the type, the JSON
    /// pointer of the failing value, the rule (keyword, its value, the schema pointer) and what was
    /// found, e.g. `store.product.reserve-stock.v1: invalid payload at #/items/0/quantity: "minimum"
    /// failed (schema #/definitions/quantity/minimum = 1); got 0`. Besides the schema, a payload must be
    /// one UTF-8 JSON document within the limits, with no U+0000 in strings and no key twice in one
    /// object. Never throws for bad input.
    Result<void> validate(std::string_view type, std::string_view payload) const;
    /// Producer side for a stamped message: reads ce_type with courier::ce::read, then validate().
    Result<void> validate(const Message& message) const;

    /// Consumer side: the checks of validate(), but every failure (unknown type, too large or deep,
    /// unparsable, invalid) is ErrorKind::poison, so the message is dead-lettered at once.
    Result<void> validate_consumed(std::string_view type, std::string_view payload) const;
    /// Consumer side for a whole message: ce_type via courier::ce::read (missing ce_id/ce_type or a bad
    /// ce_specversion is poison too), then validate_consumed(); messages also name the message's
    /// position and ce_id.
    Result<void> validate_consumed(const Message& message) const;

private:
    friend struct detail::CatalogAccess;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::schemas
