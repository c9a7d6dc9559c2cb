#include "courier/schemas/schema_load_error.hpp"

namespace courier::schemas {

SchemaLoadError::SchemaLoadError(std::string file, std::string reason, std::string hint)
    : ConfigError("schema " + file + ": " + reason,
                  hint.empty() ? "fix the schema file; courier validates with JSON Schema draft-04"
                               : std::move(hint)),
      file_(std::move(file)),
      reason_(std::move(reason)) {}

}  // namespace courier::schemas
