#pragma once
// Turns RapidJSON's report of a failed validation into one line a person can act on.

#include <rapidjson/document.h>

#include <string>

#include "arena_validator.hpp"

namespace courier::schemas::detail {

/// `at <instance pointer>: "<keyword>" failed (<schema_label> <schema pointer>/<keyword> = <rule>);
/// <what was found>`. `schema_root` is the document the validator's schema came from; `instance` the
/// parsed payload (nullptr when it is not available, then the "found" part is left out).
std::string describe_violation(const Validator& validator, const rapidjson::Value& schema_root,
                               const rapidjson::Value* instance, const char* schema_label = "schema");

}  // namespace courier::schemas::detail
