#pragma once
// The start-up failure of the catalog: a schema file that does not load or compile.

#include <string>

#include "courier/core/errors.hpp"

namespace courier::schemas {

/// A schema that cannot be used: unreadable file, malformed JSON, not a draft-04 schema, a pattern
/// RapidJSON cannot compile, an unresolvable $ref, an unknown keyword, a bad file name. Thrown while a
/// catalog is built, so a service fails at start-up instead of at its first message. what() reads
/// "schema <file>: <reason> (hint: <hint>)".
class SchemaLoadError : public ConfigError {
public:
    SchemaLoadError(std::string file, std::string reason, std::string hint = {});

    /// The file (or name) of the schema that failed.
    const std::string& file() const noexcept { return file_; }
    /// What was wrong with it, without the file name.
    const std::string& reason() const noexcept { return reason_; }

private:
    std::string file_;
    std::string reason_;
};

}  // namespace courier::schemas
