#include "courier/pg/migration.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "courier/core/errors.hpp"

namespace courier::pg {

namespace {

constexpr std::string_view kNamingHint = "name migration files NNN_name.sql, e.g. 001_create_orders.sql";

Error bad_name(std::string_view file_name, std::string_view reason) {
    return Error::permanent("pg.migration_name", "migration file name \"" + std::string(file_name) +
                                                     "\" is not NNN_name.sql: " + std::string(reason));
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in.good() && !in.eof()) throw ConfigError("cannot read migration file " + path.string());
    return content.str();
}

}  // namespace

Result<MigrationFileName> parse_migration_file_name(std::string_view file_name) {
    constexpr std::string_view kSuffix = ".sql";
    if (file_name.size() < kSuffix.size() || file_name.substr(file_name.size() - kSuffix.size()) != kSuffix) {
        return bad_name(file_name, "it does not end in .sql");
    }
    const std::string_view stem = file_name.substr(0, file_name.size() - kSuffix.size());
    const std::size_t underscore = stem.find('_');
    if (underscore == std::string_view::npos) return bad_name(file_name, "no '_' between number and name");
    const std::string_view digits = stem.substr(0, underscore);
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return bad_name(file_name, "it does not start with a version number");
    }
    int version = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
        return bad_name(file_name, "the version number is too large");
    }
    if (version <= 0) return bad_name(file_name, "the version number must be positive");
    const std::string_view name = stem.substr(underscore + 1);
    if (name.empty()) return bad_name(file_name, "the name after the number is empty");
    if (!std::all_of(name.begin(), name.end(), is_name_char)) {
        return bad_name(file_name, "the name may hold only letters, digits, '_' and '-'");
    }
    return MigrationFileName{version, std::string(name)};
}

std::vector<Migration> load_migrations(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::directory_iterator entries(directory, error);
    if (error) {
        throw ConfigError("cannot read migration directory " + directory.string() + ": " + error.message(),
                          "check the path; migrations live in <component>/migrations/");
    }
    std::map<int, Migration> by_version;
    for (const auto& entry : entries) {
        const std::string file_name = entry.path().filename().string();
        if (entry.path().extension() != ".sql" || !entry.is_regular_file(error)) continue;
        auto parsed = parse_migration_file_name(file_name);
        if (!parsed)
            throw ConfigError(parsed.error().message + " (in " + directory.string() + ")",
                              std::string(kNamingHint));
        auto [it, inserted] = by_version.try_emplace(parsed->version);
        if (!inserted) {
            throw ConfigError("migrations " + it->second.source + " and " + file_name + " in " +
                                  directory.string() + " share version " + std::to_string(parsed->version),
                              "give every migration of a component its own number");
        }
        it->second = Migration{parsed->version, std::move(parsed->name), read_file(entry.path()), file_name};
    }
    std::vector<Migration> migrations;
    migrations.reserve(by_version.size());
    for (auto& [version, migration] : by_version) migrations.push_back(std::move(migration));
    return migrations;
}

}  // namespace courier::pg
