#include "courier/pg/pipeline.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include "courier/pg/transaction.hpp"
#include "courier/testing/temporary_database.hpp"

using courier::pg::Connection;
using courier::pg::DatabaseError;
using courier::pg::Pipeline;
using courier::pg::PipelineError;
using courier::pg::Transaction;
using courier::testing::TemporaryDatabase;

namespace {
constexpr const char* kInsert = "INSERT INTO rows_in (id, body) VALUES ($1, $2)";

void create_table(Connection& conn) {
    conn.exec("CREATE TABLE rows_in (id bigint PRIMARY KEY, body text NOT NULL)");
}

int64_t count(Connection& conn) { return conn.exec("SELECT count(*) FROM rows_in").get<int64_t>(0, 0); }
}  // namespace

TEST(Pipeline, InsertsAThousandRowsInOneTransaction) {
    TemporaryDatabase db;
    auto conn = db.connect();
    create_table(conn);
    Transaction tx(conn);
    {
        Pipeline pipeline(conn);
        for (int64_t id = 0; id < 1000; ++id) pipeline.add(kInsert, {id, "row " + std::to_string(id)});
        EXPECT_EQ(pipeline.size(), 1000u);
        const auto results = pipeline.sync();
        ASSERT_EQ(results.size(), 1000u);
        for (const auto& result : results) EXPECT_EQ(result.affected_rows(), 1);
        EXPECT_EQ(pipeline.size(), 0u);
    }
    tx.commit();
    auto other = db.connect();
    EXPECT_EQ(count(other), 1000);
    EXPECT_EQ(other.exec("SELECT body FROM rows_in WHERE id = $1", {999}).get<std::string>(0, 0), "row 999");
}

TEST(Pipeline, ReturnsTheRowsOfEachStatementInOrder) {
    TemporaryDatabase db;
    auto conn = db.connect();
    Pipeline pipeline(conn);
    for (int i = 0; i < 5; ++i) pipeline.add("SELECT $1::int * 2 AS doubled", {i});
    const auto results = pipeline.sync();
    ASSERT_EQ(results.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(results[i].get<int>(0, "doubled"), i * 2);
    // The pipeline can take a second batch after a sync.
    pipeline.add("SELECT 'again'");
    EXPECT_EQ(pipeline.sync().at(0).get<std::string>(0, 0), "again");
}

TEST(Pipeline, NamesTheIndexOfTheFailingStatementAndTheTransactionLeavesNothing) {
    TemporaryDatabase db;
    auto conn = db.connect();
    create_table(conn);
    {
        Transaction tx(conn);
        Pipeline pipeline(conn);
        for (int64_t i = 0; i < 1000; ++i) {
            const int64_t id = i == 500 ? 499 : i;  // statement 500 repeats the key of statement 499
            pipeline.add(kInsert, {id, "row"});
        }
        try {
            pipeline.sync();
            FAIL() << "expected PipelineError";
        } catch (const PipelineError& e) {
            EXPECT_EQ(e.statement_index(), 500u);
            EXPECT_EQ(e.sqlstate(), "23505");
            EXPECT_EQ(e.kind(), courier::ErrorKind::permanent);
            EXPECT_NE(std::string(e.what()).find("statement 500 of 1000"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("INSERT INTO rows_in"), std::string::npos) << e.what();
        }
    }
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(count(conn), 0);
}

TEST(Pipeline, WithoutATransactionABatchIsAllOrNothing) {
    TemporaryDatabase db;
    auto conn = db.connect();
    create_table(conn);
    Pipeline pipeline(conn);
    pipeline.add(kInsert, {1, "a"});
    pipeline.add(kInsert, {2, std::nullopt});  // NOT NULL violation
    pipeline.add(kInsert, {3, "c"});
    auto result = pipeline.try_sync();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "pg.23502");
    EXPECT_NE(result.error().message.find("statement 1 of 3"), std::string::npos) << result.error().message;
    pipeline.add("SELECT count(*) FROM rows_in");
    EXPECT_EQ(pipeline.sync().at(0).get<int64_t>(0, 0), 0);
}

TEST(Pipeline, AbandonedBeforeSyncAppliesNothingAndLeavesTheConnectionUsable) {
    TemporaryDatabase db;
    auto conn = db.connect();
    create_table(conn);
    {
        Pipeline pipeline(conn);
        for (int64_t id = 0; id < 10; ++id) pipeline.add(kInsert, {id, "row"});
    }
    EXPECT_EQ(count(conn), 0);
    {
        Transaction tx(conn);
        {
            Pipeline pipeline(conn);
            pipeline.add(kInsert, {1, "row"});
        }
        EXPECT_THROW(tx.commit(), DatabaseError);  // the abandoned batch failed the transaction
    }
    EXPECT_EQ(count(conn), 0);
}

TEST(Pipeline, ReportsAParameterThatCannotBeSentByItsIndexAndAppliesNothing) {
    TemporaryDatabase db;
    auto conn = db.connect();
    create_table(conn);
    Pipeline pipeline(conn);
    for (int64_t id = 0; id < 10; ++id) {
        pipeline.add(kInsert, {id, id == 3 ? std::string("nul\0byte", 8) : std::string("ok")});
    }
    try {
        pipeline.sync();
        FAIL() << "expected PipelineError";
    } catch (const PipelineError& e) {
        EXPECT_EQ(e.statement_index(), 3u);
        EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
    }
    pipeline.add("SELECT count(*) FROM rows_in");
    EXPECT_EQ(pipeline.sync().at(0).get<int64_t>(0, 0), 0);
}

// Not a benchmark (bench/ has those): a sanity check that pipelining pays, with the figures printed.
TEST(Pipeline, IsFasterThanOneRoundTripPerStatement) {
    TemporaryDatabase db;
    auto conn = db.connect();
    create_table(conn);
    using Clock = std::chrono::steady_clock;
    constexpr int kRows = 1000;
    auto rows_per_second = [](Clock::duration elapsed) {
        return kRows / std::chrono::duration<double>(elapsed).count();
    };

    const auto plain_start = Clock::now();
    {
        Transaction tx(conn);
        for (int64_t id = 0; id < kRows; ++id) tx.exec(kInsert, {id, "plain"});
        tx.commit();
    }
    const double plain = rows_per_second(Clock::now() - plain_start);

    const auto pipelined_start = Clock::now();
    {
        Transaction tx(conn);
        {
            Pipeline pipeline(conn);
            for (int64_t id = kRows; id < 2 * kRows; ++id) pipeline.add(kInsert, {id, "pipelined"});
            pipeline.sync();
        }
        tx.commit();
    }
    const double pipelined = rows_per_second(Clock::now() - pipelined_start);

    std::cout << "1,000 inserts in one transaction: plain " << static_cast<int>(plain) << " rows/s, pipeline "
              << static_cast<int>(pipelined) << " rows/s (x" << pipelined / plain << ")\n";
    RecordProperty("plain_rows_per_second", static_cast<int>(plain));
    RecordProperty("pipeline_rows_per_second", static_cast<int>(pipelined));
    EXPECT_EQ(count(conn), 2 * kRows);
    EXPECT_GT(pipelined, plain);
}
