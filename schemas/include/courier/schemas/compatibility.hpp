#pragma once
// `courier schema check OLD NEW`: is a new version of a schema safe to roll out?

#include <string>
#include <string_view>
#include <vector>

namespace courier::schemas {

/// One reason NEW is not backward compatible with OLD.
struct CompatibilityProblem {
    std::string pointer;  ///< schema location as a JSON pointer fragment, e.g. #/properties/items/maxItems
    std::string message;  ///< what changed and why it breaks, e.g. "maxItems lowered from 100 to 50"
    bool operator==(const CompatibilityProblem&) const = default;
};

struct CompatibilityReport {
    std::vector<CompatibilityProblem> problems;  ///< in schema order; empty when compatible
    bool compatible() const noexcept { return problems.empty(); }
};

/// Compares two draft-04 schemas. NEW is backward compatible with OLD when
///  - NEW accepts every payload OLD accepts (consumers moved to NEW still read what was written under
///    OLD): no newly required property, no narrowed type or enum, no tightened minimum, maximum,
///    exclusiveMinimum/Maximum, multipleOf, minLength, maxLength, minItems, maxItems, minProperties,
///    maxProperties or uniqueItems, no added or changed pattern or format, additionalProperties or
///    additionalItems not turned false or constrained, no new constraints on properties an open OLD
///    object allowed, no changed allOf/anyOf/oneOf/not/dependencies (not provable, reported);
///  - and NEW keeps what readers of OLD rely on: a property OLD requires stays required.
/// Walks properties, items, additionalProperties/Items and patternProperties recursively, resolving
/// local $refs; each problem names the schema location. Both texts are loaded with the catalog's
/// checks first; throws SchemaLoadError (naming old_name or new_name) when one is not a usable schema.
CompatibilityReport check_compatibility(std::string_view old_schema, std::string_view new_schema,
                                        std::string_view old_name = "OLD", std::string_view new_name = "NEW");

}  // namespace courier::schemas
