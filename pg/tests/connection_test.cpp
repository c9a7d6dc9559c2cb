#include "courier/pg/connection.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "courier/testing/temporary_database.hpp"

using courier::pg::Bytea;
using courier::pg::Connection;
using courier::pg::DatabaseError;
using courier::testing::TemporaryDatabase;

TEST(Connection, StoresParametersVerbatimSoNoValueCanChangeTheStatement) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE notes (id serial PRIMARY KEY, body text)");
    const std::vector<std::string> hostile = {
        "Robert'); DROP TABLE notes; --",
        "a; b; c;",
        "' OR '1'='1",
        "$1 $2 $$ dollar $$",
        "\\x41 \\' backslashes \\\\",
        "\"double\" 'single' `back`",
        "multi\nline\ttext",
        "unicode: \xc3\xa9\xe2\x9c\x93",
        "",
    };
    for (const std::string& body : hostile) {
        const auto inserted = conn.exec("INSERT INTO notes (body) VALUES ($1)", {body});
        EXPECT_EQ(inserted.affected_rows(), 1);
    }
    const auto rows = conn.exec("SELECT body FROM notes ORDER BY id");
    ASSERT_EQ(rows.size(), static_cast<int>(hostile.size()));
    for (int i = 0; i < rows.size(); ++i) EXPECT_EQ(rows.get<std::string>(i, "body"), hostile[i]);

    // A hostile value in a WHERE clause matches only itself.
    const auto matched =
        conn.exec("SELECT count(*) FROM notes WHERE body = $1", {std::string("' OR '1'='1")});
    EXPECT_EQ(matched.get<int64_t>(0, 0), 1);
}

TEST(Connection, RoundTripsNullThroughParametersAndGetters) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE maybe (id int PRIMARY KEY, label text, amount bigint, flag boolean)");
    conn.exec("INSERT INTO maybe VALUES ($1, $2, $3, $4)",
              {1, std::nullopt, std::optional<int64_t>{}, std::nullopt});
    conn.exec("INSERT INTO maybe VALUES ($1, $2, $3, $4)",
              {2, std::optional<std::string>{"x"}, std::optional<int64_t>{7}, false});

    const auto rows = conn.exec("SELECT label, amount, flag FROM maybe ORDER BY id");
    ASSERT_EQ(rows.size(), 2);
    EXPECT_TRUE(rows.is_null(0, "label"));
    EXPECT_TRUE(rows.is_null(0, 1));
    EXPECT_EQ(rows.get_optional<std::string>(0, "label"), std::nullopt);
    EXPECT_EQ(rows.get_optional<int64_t>(0, "amount"), std::nullopt);
    EXPECT_EQ(rows.get_optional<bool>(0, "flag"), std::nullopt);
    EXPECT_EQ(rows.get_optional<std::string>(1, "label"), "x");
    EXPECT_EQ(rows.get_optional<int64_t>(1, "amount"), 7);
    EXPECT_EQ(rows.get_optional<bool>(1, "flag"), false);
    EXPECT_EQ(conn.exec("SELECT count(*) FROM maybe WHERE label IS NULL").get<int64_t>(0, 0), 1);

    try {
        (void)rows.get<std::string>(0, "label");
        FAIL() << "reading NULL as a plain value must throw";
    } catch (const DatabaseError& e) {
        EXPECT_EQ(e.kind(), courier::ErrorKind::permanent);
        EXPECT_NE(std::string(e.what()).find("\"label\""), std::string::npos) << e.what();
    }
}

TEST(Connection, ReadsTypedValuesByIndexAndByName) {
    TemporaryDatabase db;
    auto conn = db.connect();
    const std::string bytes("\0\x01\x7f\x80\xff'\\", 7);
    const auto rows = conn.exec(
        "SELECT $1::bigint AS big, $2::int AS small, $3::boolean AS yes, $4::text AS word, "
        "$5::float8 AS real, $6::bytea AS raw, 'NaN'::float8 AS nan",
        {int64_t{-9007199254740993}, int32_t{2147483647}, true, "héllo", 2.5, Bytea{bytes}});
    ASSERT_EQ(rows.size(), 1);
    ASSERT_EQ(rows.column_count(), 7);
    EXPECT_EQ(rows.column_name(3), "word");
    EXPECT_EQ(rows.column_index("raw"), 5);
    EXPECT_EQ(rows.get<int64_t>(0, "big"), -9007199254740993);
    EXPECT_EQ(rows.get<int32_t>(0, 1), 2147483647);
    EXPECT_EQ(rows.get<int64_t>(0, "small"), 2147483647);
    EXPECT_TRUE(rows.get<bool>(0, "yes"));
    EXPECT_EQ(rows.get<std::string>(0, "word"), "héllo");
    EXPECT_EQ(rows.get<std::string_view>(0, "word"), "héllo");
    EXPECT_DOUBLE_EQ(rows.get<double>(0, "real"), 2.5);
    EXPECT_EQ(rows.get<Bytea>(0, "raw").bytes, bytes);
    EXPECT_TRUE(std::isnan(rows.get<double>(0, "nan")));
    EXPECT_EQ(rows[0].get<int64_t>("big"), -9007199254740993);

    EXPECT_THROW((void)rows.get<int16_t>(0, "small"), DatabaseError);  // does not fit
    EXPECT_THROW((void)rows.get<int64_t>(0, "word"), DatabaseError);   // not a number
    EXPECT_THROW((void)rows.get<bool>(0, "word"), DatabaseError);
    EXPECT_THROW((void)rows.get<std::string>(0, "missing"), std::out_of_range);
    EXPECT_THROW((void)rows.get<std::string>(1, 0), std::out_of_range);
    EXPECT_THROW((void)rows.get<std::string>(0, 7), std::out_of_range);
}

TEST(Connection, CountsAffectedRowsAndIteratesRows) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE items (id int PRIMARY KEY, qty int NOT NULL)");
    for (int id = 1; id <= 5; ++id) conn.exec("INSERT INTO items VALUES ($1, $2)", {id, id * 10});
    const auto updated = conn.exec("UPDATE items SET qty = qty + 1 WHERE id <= $1", {3});
    EXPECT_EQ(updated.affected_rows(), 3);
    EXPECT_EQ(updated.command_tag(), "UPDATE 3");

    std::vector<int> quantities;
    for (const auto row : conn.exec("SELECT qty FROM items ORDER BY id"))
        quantities.push_back(row.get<int>("qty"));
    EXPECT_EQ(quantities, (std::vector<int>{11, 21, 31, 40, 50}));
}

TEST(Connection, ReportsAFailedStatementWithItsSqlstateAndStaysUsable) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE uniq (id int PRIMARY KEY)");
    conn.exec("INSERT INTO uniq VALUES ($1)", {1});

    auto duplicate = conn.try_exec("INSERT INTO uniq VALUES ($1)", {1});
    ASSERT_FALSE(duplicate);
    EXPECT_EQ(duplicate.error().code, "pg.23505");
    EXPECT_EQ(duplicate.error().kind, courier::ErrorKind::permanent);
    EXPECT_NE(duplicate.error().message.find("uniq_pkey"), std::string::npos) << duplicate.error().message;
    EXPECT_NE(duplicate.error().message.find("INSERT INTO uniq"), std::string::npos)
        << duplicate.error().message;

    try {
        conn.exec("SELEKT 1");
        FAIL() << "expected DatabaseError";
    } catch (const DatabaseError& e) {
        EXPECT_EQ(e.sqlstate(), "42601");
        EXPECT_FALSE(e.retriable());
    }

    auto text_with_nul = conn.try_exec("SELECT $1::text", {std::string("a\0b", 3)});
    ASSERT_FALSE(text_with_nul);
    EXPECT_NE(text_with_nul.error().message.find("NUL"), std::string::npos);

    EXPECT_TRUE(conn.is_open());
    EXPECT_EQ(conn.exec("SELECT count(*) FROM uniq").get<int64_t>(0, 0), 1);
}

TEST(Connection, RunsAScriptOfSeveralStatements) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec_script("CREATE TABLE a (id int); INSERT INTO a VALUES (1), (2); CREATE TABLE b (id int);");
    EXPECT_EQ(conn.exec("SELECT count(*) FROM a").get<int64_t>(0, 0), 2);
    EXPECT_THROW(conn.exec_script("INSERT INTO a VALUES (3); INSERT INTO missing VALUES (1);"),
                 DatabaseError);
}

TEST(Connection, DescribesItsTargetWithoutThePassword) {
    TemporaryDatabase db;
    auto conn = db.connect();
    EXPECT_NE(conn.target().find(db.name()), std::string::npos) << conn.target();
    EXPECT_GT(conn.server_pid(), 0);
    EXPECT_GE(conn.socket(), 0);
    EXPECT_EQ(conn.quote_identifier("Mixed\"Case"), "\"Mixed\"\"Case\"");
}
