#include "courier/pg/transaction.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "courier/testing/temporary_database.hpp"

using courier::pg::DatabaseError;
using courier::pg::IsolationLevel;
using courier::pg::Transaction;
using courier::testing::TemporaryDatabase;

namespace {
int64_t count_rows(courier::pg::Connection& conn, const char* table_sql) {
    return conn.exec(table_sql).get<int64_t>(0, 0);
}
}  // namespace

TEST(Transaction, RolledBackByItsDestructorLeavesNothing) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE events (id int PRIMARY KEY)");
    {
        Transaction tx(conn);
        tx.exec("INSERT INTO events VALUES ($1)", {1});
        tx.exec("INSERT INTO events VALUES ($1)", {2});
        EXPECT_TRUE(conn.in_transaction());
        EXPECT_EQ(count_rows(conn, "SELECT count(*) FROM events"), 2);  // visible inside
    }
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(count_rows(conn, "SELECT count(*) FROM events"), 0);
    auto other = db.connect();
    EXPECT_EQ(count_rows(other, "SELECT count(*) FROM events"), 0);
}

TEST(Transaction, RolledBackWhenAnExceptionLeavesTheScope) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE events (id int PRIMARY KEY)");
    EXPECT_THROW(
        {
            Transaction tx(conn);
            tx.exec("INSERT INTO events VALUES ($1)", {1});
            tx.exec("INSERT INTO events VALUES ($1)", {1});  // duplicate: throws
            tx.commit();
        },
        DatabaseError);
    EXPECT_EQ(count_rows(conn, "SELECT count(*) FROM events"), 0);
    EXPECT_FALSE(conn.in_transaction());
}

TEST(Transaction, CommitPersistsItsWorkForOtherConnections) {
    TemporaryDatabase db;
    auto conn = db.connect();
    auto other = db.connect();
    conn.exec("CREATE TABLE events (id int PRIMARY KEY)");
    Transaction tx(conn);
    tx.exec("INSERT INTO events VALUES ($1)", {1});
    EXPECT_EQ(count_rows(other, "SELECT count(*) FROM events"), 0);  // not yet committed
    tx.commit();
    EXPECT_FALSE(tx.is_active());
    EXPECT_EQ(count_rows(other, "SELECT count(*) FROM events"), 1);
}

TEST(Transaction, CommitAfterAFailedStatementReportsThatItRolledBack) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE events (id int PRIMARY KEY)");
    Transaction tx(conn);
    tx.exec("INSERT INTO events VALUES ($1)", {1});
    auto failed = tx.try_exec("INSERT INTO events VALUES ($1)", {1});
    ASSERT_FALSE(failed);
    auto committed = tx.try_commit();
    ASSERT_FALSE(committed) << "COMMIT of a failed transaction must not look like success";
    EXPECT_EQ(committed.error().code, "pg.25P02");
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(count_rows(conn, "SELECT count(*) FROM events"), 0);
}

TEST(Transaction, RunsAtTheRequestedIsolationLevel) {
    TemporaryDatabase db;
    auto conn = db.connect();
    {
        Transaction tx(conn);
        EXPECT_EQ(tx.exec("SHOW transaction_isolation").get<std::string>(0, 0), "read committed");
    }
    {
        Transaction tx(conn, IsolationLevel::repeatable_read);
        EXPECT_EQ(tx.exec("SHOW transaction_isolation").get<std::string>(0, 0), "repeatable read");
    }
    auto tx = Transaction::try_begin(conn, IsolationLevel::serializable);
    ASSERT_TRUE(tx) << tx.error().describe();
    EXPECT_EQ(tx->exec("SHOW transaction_isolation").get<std::string>(0, 0), "serializable");
    tx->rollback();
    EXPECT_FALSE(conn.in_transaction());
}

TEST(Transaction, ExplicitRollbackDiscardsTheWork) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE events (id int PRIMARY KEY)");
    Transaction tx(conn);
    tx.exec("INSERT INTO events VALUES ($1)", {1});
    tx.rollback();
    EXPECT_FALSE(tx.is_active());
    EXPECT_EQ(count_rows(conn, "SELECT count(*) FROM events"), 0);
}

TEST(Transaction, RunsOnCommitCallbacksOnlyAfterASuccessfulCommit) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE events (id int PRIMARY KEY)");
    std::vector<std::string> ran;
    {
        Transaction tx(conn);
        tx.exec("INSERT INTO events VALUES ($1)", {1});
        tx.on_commit([&] { ran.push_back("first"); });
        tx.on_commit([&] { throw std::runtime_error("a callback that throws is logged"); });
        tx.on_commit([&] { ran.push_back("second"); });
        EXPECT_TRUE(ran.empty()) << "nothing runs before COMMIT";
        Transaction moved(std::move(tx));  // the callbacks go with the transaction
        moved.commit();
    }
    EXPECT_EQ(ran, (std::vector<std::string>{"first", "second"}));

    ran.clear();
    {
        Transaction tx(conn);
        tx.on_commit([&] { ran.push_back("rolled back by the destructor"); });
    }
    {
        Transaction tx(conn);
        tx.on_commit([&] { ran.push_back("rolled back explicitly"); });
        tx.rollback();
    }
    {
        Transaction tx(conn);
        tx.on_commit([&] { ran.push_back("its COMMIT answered ROLLBACK"); });
        EXPECT_FALSE(tx.try_exec("INSERT INTO events VALUES ($1)", {1}));  // duplicate
        EXPECT_FALSE(tx.try_commit());
    }
    EXPECT_TRUE(ran.empty()) << ran.front();
}
