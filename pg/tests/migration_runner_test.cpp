#include "courier/pg/migration_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "courier/testing/environment.hpp"
#include "courier/testing/temporary_database.hpp"

using courier::pg::Connection;
using courier::pg::DatabaseError;
using courier::pg::Migration;
using courier::pg::MigrationReport;
using courier::pg::MigrationRunner;
using courier::testing::TemporaryDatabase;

namespace {
std::vector<Migration> orders_migrations() {
    return {
        {1, "create_orders", "CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL);"},
        {2, "create_applied_log",
         "CREATE TABLE applied_log (version int NOT NULL);"
         "INSERT INTO applied_log VALUES (2);"},
        {3, "add_status",
         "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'PENDING';"
         "INSERT INTO applied_log VALUES (3);"},
    };
}

int64_t scalar(Connection& conn, const std::string& sql, const courier::pg::Params& params = {}) {
    return conn.exec(sql, params).get<int64_t>(0, 0);
}

bool table_exists(Connection& conn, const std::string& table) {
    return !conn.exec("SELECT to_regclass($1)", {table}).is_null(0, 0);
}
}  // namespace

TEST(MigrationRunner, AppliesMigrationsOnceAndSkipsThemTheSecondTime) {
    TemporaryDatabase db;
    auto conn = db.connect();
    MigrationRunner runner(conn);

    const MigrationReport first = runner.apply("orders", orders_migrations());
    EXPECT_EQ(first.applied, (std::vector<int>{1, 2, 3}));
    EXPECT_TRUE(first.skipped.empty());

    const MigrationReport second = runner.apply("orders", orders_migrations());
    EXPECT_TRUE(second.applied.empty());
    EXPECT_EQ(second.skipped, (std::vector<int>{1, 2, 3}));

    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM applied_log"), 2);
    const auto recorded = conn.exec(
        "SELECT version, name, applied_at IS NOT NULL AS stamped FROM courier_migrations "
        "WHERE component = $1 ORDER BY version",
        {"orders"});
    ASSERT_EQ(recorded.size(), 3);
    EXPECT_EQ(recorded.get<int>(0, "version"), 1);
    EXPECT_EQ(recorded.get<std::string>(0, "name"), "create_orders");
    EXPECT_EQ(recorded.get<std::string>(2, "name"), "add_status");
    EXPECT_TRUE(recorded.get<bool>(2, "stamped"));
}

TEST(MigrationRunner, AppliesOnlyMigrationsAddedSinceTheLastRun) {
    TemporaryDatabase db;
    auto conn = db.connect();
    MigrationRunner runner(conn);
    auto migrations = orders_migrations();
    migrations.pop_back();
    EXPECT_EQ(runner.apply("orders", migrations).applied, (std::vector<int>{1, 2}));
    const auto later = runner.apply("orders", orders_migrations());
    EXPECT_EQ(later.applied, (std::vector<int>{3}));
    EXPECT_EQ(later.skipped, (std::vector<int>{1, 2}));
}

TEST(MigrationRunner, KeepsTheVersionsOfEachComponentApart) {
    TemporaryDatabase db;
    auto conn = db.connect();
    MigrationRunner runner(conn);
    runner.apply("orders", orders_migrations());
    const auto other = runner.apply("inventory", {{1, "create_stock", "CREATE TABLE stock (sku text);"}});
    EXPECT_EQ(other.applied, (std::vector<int>{1}));
    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM courier_migrations"), 4);
}

TEST(MigrationRunner, FourThreadsStartingTogetherApplyEachMigrationExactlyOnce) {
    TemporaryDatabase db;
    constexpr int kThreads = 4;
    std::vector<MigrationReport> reports(kThreads);
    std::vector<std::string> failures(kThreads);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto conn = db.connect();
                MigrationRunner runner(conn);
                // Start as close together as possible, so the runners really contend.
                ready.fetch_add(1);
                while (ready.load() < kThreads) std::this_thread::yield();
                reports[t] = runner.apply("orders", orders_migrations());
            } catch (const std::exception& e) {
                failures[t] = e.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();

    std::vector<int> applied;
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(failures[t], "") << "thread " << t;
        EXPECT_EQ(reports[t].applied.size() + reports[t].skipped.size(), 3u) << "thread " << t;
        applied.insert(applied.end(), reports[t].applied.begin(), reports[t].applied.end());
    }
    std::sort(applied.begin(), applied.end());
    EXPECT_EQ(applied, (std::vector<int>{1, 2, 3}));

    auto conn = db.connect();
    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM courier_migrations WHERE component = $1", {"orders"}), 3);
    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM applied_log"), 2);  // a second run would have added rows
}

TEST(MigrationRunner, AFailingMigrationLeavesNoTraceAndNamesItsFile) {
    TemporaryDatabase db;
    const auto dir =
        std::filesystem::temp_directory_path() / courier::testing::unique_name("courier-migrations");
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "001_create_customers.sql") << "CREATE TABLE customers (id int PRIMARY KEY);\n";
    std::ofstream(dir / "002_broken.sql") << "CREATE TABLE half_done (id int);\n"
                                             "INSERT INTO customers VALUES (1);\n"
                                             "INSERT INTO no_such_table VALUES (1);\n";
    std::ofstream(dir / "003_never.sql") << "CREATE TABLE never (id int);\n";
    const auto migrations = courier::pg::load_migrations(dir);
    std::filesystem::remove_all(dir);

    auto conn = db.connect();
    MigrationRunner runner(conn);
    try {
        runner.apply("customers", migrations);
        FAIL() << "expected DatabaseError";
    } catch (const DatabaseError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("component \"customers\""), std::string::npos) << what;
        EXPECT_NE(what.find("migration 2"), std::string::npos) << what;
        EXPECT_NE(what.find("002_broken.sql"), std::string::npos) << what;
        EXPECT_NE(what.find("relation \"no_such_table\" does not exist"), std::string::npos) << what;
        EXPECT_EQ(e.sqlstate(), "42P01");
    }
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_TRUE(table_exists(conn, "customers"));
    EXPECT_FALSE(table_exists(conn, "half_done"));
    EXPECT_FALSE(table_exists(conn, "never"));
    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM customers"), 0);
    const auto recorded =
        conn.exec("SELECT version FROM courier_migrations WHERE component = $1", {"customers"});
    ASSERT_EQ(recorded.size(), 1);
    EXPECT_EQ(recorded.get<int>(0, 0), 1);
}

TEST(MigrationRunner, RefusesDuplicateVersionsBeforeApplyingAnything) {
    TemporaryDatabase db;
    auto conn = db.connect();
    MigrationRunner runner(conn);
    EXPECT_THROW(
        runner.apply("orders", {{1, "a", "CREATE TABLE a (id int);"}, {1, "b", "CREATE TABLE b (id int);"}}),
        courier::ConfigError);
    EXPECT_FALSE(table_exists(conn, "a"));
}

TEST(MigrationRunner, RefusesAMigrationThatCommitsOnItsOwn) {
    TemporaryDatabase db;
    auto conn = db.connect();
    MigrationRunner runner(conn);
    try {
        runner.apply("orders", {{1, "sneaky", "CREATE TABLE sneaky (id int); COMMIT;"}});
        FAIL() << "expected DatabaseError";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("ended the runner's transaction"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(scalar(conn, "SELECT count(*) FROM courier_migrations"), 0);
}
