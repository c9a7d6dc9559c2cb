#pragma once
// Numbered schema migrations of one component, and how they are read from files.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"

namespace courier::pg {

/// One schema change. `version` orders a component's migrations and is applied at most once.
struct Migration {
    int version;
    std::string name;
    std::string sql;          ///< one or more statements; no BEGIN/COMMIT (the runner wraps it)
    std::string source = {};  ///< file it came from, for error messages ("" when defined in code)
};

/// What a migration file name says: "001_create_orders.sql" -> {1, "create_orders"}.
struct MigrationFileName {
    int version;
    std::string name;
    bool operator==(const MigrationFileName&) const = default;
};

/// Parses "NNN_name.sql": one or more digits (a positive int), '_', a name of letters, digits,
/// '_' and '-', then ".sql". A permanent Error ("pg.migration_name") saying what is wrong
/// otherwise. Thread-safe, never blocks.
Result<MigrationFileName> parse_migration_file_name(std::string_view file_name);

/// Reads every "*.sql" file in `directory` (other files are ignored), ordered by version, with
/// `source` set to the file name. Throws courier::ConfigError when the directory cannot be read,
/// a .sql file name is malformed, or two files share a version (naming both). Blocks on disk I/O.
std::vector<Migration> load_migrations(const std::filesystem::path& directory);

}  // namespace courier::pg
