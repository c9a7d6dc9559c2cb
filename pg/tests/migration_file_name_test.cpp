#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "courier/core/errors.hpp"
#include "courier/pg/migration.hpp"

using courier::pg::MigrationFileName;
using courier::pg::parse_migration_file_name;

TEST(MigrationFileName, ReadsTheVersionAndNameOfAWellFormedFile) {
    auto parsed = parse_migration_file_name("001_create_orders.sql");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(*parsed, (MigrationFileName{1, "create_orders"}));

    EXPECT_EQ(*parse_migration_file_name("42_add-index.sql"), (MigrationFileName{42, "add-index"}));
    EXPECT_EQ(*parse_migration_file_name("0010_x.sql"), (MigrationFileName{10, "x"}));
    EXPECT_EQ(*parse_migration_file_name("2_Add_Column_2.sql"), (MigrationFileName{2, "Add_Column_2"}));
}

TEST(MigrationFileName, RejectsMalformedNamesSayingWhatIsWrong) {
    struct Case {
        const char* file_name;
        const char* reason;
    };
    const Case cases[] = {
        {"001_create_orders.txt", "does not end in .sql"},
        {"001_create_orders", "does not end in .sql"},
        {"001create.sql", "no '_'"},
        {"create_orders.sql", "does not start with a version number"},
        {"_create_orders.sql", "does not start with a version number"},
        {"1a_create.sql", "does not start with a version number"},
        {"000_zero.sql", "must be positive"},
        {"99999999999_big.sql", "too large"},
        {"001_.sql", "name after the number is empty"},
        {"001_create orders.sql", "only letters, digits"},
        {"001_drop;table.sql", "only letters, digits"},
        {".sql", "no '_'"},
    };
    for (const Case& c : cases) {
        auto parsed = parse_migration_file_name(c.file_name);
        ASSERT_FALSE(parsed) << c.file_name << " should be rejected";
        EXPECT_EQ(parsed.error().kind, courier::ErrorKind::permanent);
        EXPECT_NE(parsed.error().message.find(c.file_name), std::string::npos) << parsed.error().message;
        EXPECT_NE(parsed.error().message.find(c.reason), std::string::npos)
            << c.file_name << ": " << parsed.error().message;
    }
}

namespace {
// A scratch directory of migration files, removed afterwards.
class MigrationDirectory {
public:
    MigrationDirectory() {
        path_ = std::filesystem::temp_directory_path() /
                ("courier-migrations-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        std::filesystem::create_directories(path_);
    }
    ~MigrationDirectory() { std::filesystem::remove_all(path_); }
    void write(const std::string& file_name, const std::string& content) const {
        std::ofstream(path_ / file_name) << content;
    }
    const std::filesystem::path& path() const { return path_; }

private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};
}  // namespace

TEST(LoadMigrations, ReadsSqlFilesInVersionOrderAndIgnoresOtherFiles) {
    MigrationDirectory dir;
    dir.write("010_third.sql", "SELECT 3;");
    dir.write("2_second.sql", "SELECT 2;");
    dir.write("001_first.sql", "CREATE TABLE t (id int);\n");
    dir.write("README.md", "not a migration");
    const auto migrations = courier::pg::load_migrations(dir.path());
    ASSERT_EQ(migrations.size(), 3u);
    EXPECT_EQ(migrations[0].version, 1);
    EXPECT_EQ(migrations[0].name, "first");
    EXPECT_EQ(migrations[0].sql, "CREATE TABLE t (id int);\n");
    EXPECT_EQ(migrations[0].source, "001_first.sql");
    EXPECT_EQ(migrations[1].version, 2);
    EXPECT_EQ(migrations[2].version, 10);
    EXPECT_EQ(migrations[2].name, "third");
}

TEST(LoadMigrations, RejectsTwoFilesWithTheSameVersionNamingBoth) {
    MigrationDirectory dir;
    dir.write("001_a.sql", "SELECT 1;");
    dir.write("1_b.sql", "SELECT 1;");
    try {
        courier::pg::load_migrations(dir.path());
        FAIL() << "expected ConfigError";
    } catch (const courier::ConfigError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("001_a.sql"), std::string::npos) << what;
        EXPECT_NE(what.find("1_b.sql"), std::string::npos) << what;
        EXPECT_NE(what.find("version 1"), std::string::npos) << what;
    }
}

TEST(LoadMigrations, RejectsAMalformedFileName) {
    MigrationDirectory dir;
    dir.write("001_ok.sql", "SELECT 1;");
    dir.write("create_orders.sql", "SELECT 1;");
    try {
        courier::pg::load_migrations(dir.path());
        FAIL() << "expected ConfigError";
    } catch (const courier::ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("create_orders.sql"), std::string::npos) << e.what();
        EXPECT_NE(e.hint().find("NNN_name.sql"), std::string::npos) << e.what();
    }
}

TEST(LoadMigrations, RejectsAMissingDirectory) {
    EXPECT_THROW(courier::pg::load_migrations("/nonexistent/courier/migrations"), courier::ConfigError);
}
