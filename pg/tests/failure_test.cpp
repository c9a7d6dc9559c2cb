#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "courier/pg/connection.hpp"
#include "courier/pg/connection_pool.hpp"
#include "courier/pg/pipeline.hpp"
#include "courier/pg/transaction.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/temporary_database.hpp"

using namespace std::chrono_literals;
using courier::ErrorKind;
using courier::pg::Connection;
using courier::pg::DatabaseError;
using courier::pg::IsolationLevel;
using courier::pg::Transaction;
using courier::testing::TemporaryDatabase;
using Clock = std::chrono::steady_clock;

namespace {
// A loopback port nobody listens on: bound by us for a moment, then released.
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free loopback port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

// Kills the server process behind `victim` and waits until it is gone.
void terminate_backend(const TemporaryDatabase& db, const Connection& victim) {
    auto admin = db.connect();
    const auto killed = admin.exec("SELECT pg_terminate_backend($1, 5000)", {victim.server_pid()});
    ASSERT_TRUE(killed.get<bool>(0, 0));
}
}  // namespace

TEST(ConnectionFailure, AClosedPortFailsFastWithATransientErrorNamingHostAndPortButNotThePassword) {
    const std::string port = std::to_string(closed_port());
    const std::string dsn = "postgresql://courier_user:TopSecret-91@127.0.0.1:" + port + "/courier";
    const auto start = Clock::now();
    try {
        (void)Connection::open(dsn);
        FAIL() << "expected DatabaseError";
    } catch (const DatabaseError& e) {
        EXPECT_LT(Clock::now() - start, 5s);
        EXPECT_EQ(e.kind(), ErrorKind::transient);
        EXPECT_TRUE(e.retriable());
        const std::string what = e.what();
        EXPECT_NE(what.find("127.0.0.1"), std::string::npos) << what;
        EXPECT_NE(what.find(port), std::string::npos) << what;
        EXPECT_NE(what.find("courier_user"), std::string::npos) << what;
        EXPECT_EQ(what.find("TopSecret-91"), std::string::npos) << what;
        EXPECT_NE(e.hint().find("scripts/postgres start"), std::string::npos) << what;
    }
}

TEST(ConnectionFailure, AMalformedDsnIsPermanentAndNotEchoed) {
    try {
        (void)Connection::open("host=127.0.0.1 password=TopSecret-91 bogus_option=1");
        FAIL() << "expected DatabaseError";
    } catch (const DatabaseError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::permanent);
        EXPECT_EQ(std::string(e.what()).find("TopSecret-91"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("bogus_option"), std::string::npos) << e.what();
    }
}

TEST(ConnectionFailure, AKilledConnectionGivesATransientErrorAndWorksAgainAfterEnsureOpen) {
    TemporaryDatabase db;
    auto conn = db.connect();
    const int old_pid = conn.server_pid();
    terminate_backend(db, conn);

    auto lost = conn.try_exec("SELECT 1");
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.error().kind, ErrorKind::transient) << lost.error().describe();
    EXPECT_FALSE(conn.is_open());

    conn.ensure_open();
    EXPECT_TRUE(conn.is_open());
    EXPECT_NE(conn.server_pid(), old_pid);
    EXPECT_EQ(conn.exec("SELECT 1 + $1::int", {1}).get<int>(0, 0), 2);
}

TEST(ConnectionFailure, AKilledConnectionThrowsTransientAndReconnectRecovers) {
    TemporaryDatabase db;
    auto conn = db.connect();
    terminate_backend(db, conn);
    try {
        conn.exec("SELECT 1");
        FAIL() << "expected DatabaseError";
    } catch (const DatabaseError& e) {
        EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
    }
    conn.reconnect();
    EXPECT_EQ(conn.exec("SELECT 7").get<int>(0, 0), 7);
}

TEST(ConnectionFailure, ATransactionOnAKilledConnectionRollsBackQuietlyAndNothingPersists) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE t (id int)");
    {
        Transaction tx(conn);
        tx.exec("INSERT INTO t VALUES (1)");
        terminate_backend(db, conn);
        auto commit = tx.try_commit();
        ASSERT_FALSE(commit);
        EXPECT_EQ(commit.error().kind, ErrorKind::transient);
    }
    conn.ensure_open();
    EXPECT_EQ(conn.exec("SELECT count(*) FROM t").get<int64_t>(0, 0), 0);
}

TEST(ConnectionFailure, APipelineOnAKilledConnectionFailsTransientAndTheConnectionRecovers) {
    TemporaryDatabase db;
    auto conn = db.connect();
    conn.exec("CREATE TABLE t (id int)");
    terminate_backend(db, conn);
    {
        courier::pg::Pipeline pipeline(conn);
        for (int i = 0; i < 10; ++i) pipeline.add("INSERT INTO t VALUES ($1)", {i});
        auto result = pipeline.try_sync();
        ASSERT_FALSE(result);
        EXPECT_EQ(result.error().kind, ErrorKind::transient) << result.error().describe();
    }
    conn.ensure_open();
    EXPECT_EQ(conn.exec("SELECT count(*) FROM t").get<int64_t>(0, 0), 0);
}

TEST(ConnectionFailure, ListensAgainAfterAReconnect) {
    TemporaryDatabase db;
    auto listener = db.connect();
    auto sender = db.connect();
    const std::string channel = courier::testing::unique_name("relay");
    listener.listen(channel);
    terminate_backend(db, listener);

    auto waited = listener.try_wait_for_notification(2s);
    ASSERT_FALSE(waited);
    EXPECT_TRUE(waited.error().retriable()) << waited.error().describe();

    listener.ensure_open();
    sender.notify(channel, "after reconnect");
    const auto notification = listener.wait_for_notification(5s);
    ASSERT_TRUE(notification.has_value());
    EXPECT_EQ(notification->payload, "after reconnect");
}

TEST(SerializationFailure, TwoConflictingSerializableTransactionsGiveATransientError) {
    TemporaryDatabase db;
    auto first = db.connect();
    auto second = db.connect();
    first.exec("CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL)");
    first.exec("INSERT INTO account VALUES (1, 100)");

    Transaction tx1(first, IsolationLevel::serializable);
    EXPECT_EQ(tx1.exec("SELECT balance FROM account WHERE id = 1").get<int>(0, 0), 100);  // snapshot taken
    {
        Transaction tx2(second, IsolationLevel::serializable);
        tx2.exec("UPDATE account SET balance = balance - 10 WHERE id = 1");
        tx2.commit();
    }
    auto conflicting = tx1.try_exec("UPDATE account SET balance = balance + 50 WHERE id = 1");
    ASSERT_FALSE(conflicting);
    EXPECT_EQ(conflicting.error().code, "pg.40001") << conflicting.error().describe();
    EXPECT_EQ(conflicting.error().kind, ErrorKind::transient);
    EXPECT_TRUE(conflicting.error().retriable());
}

TEST(ConnectionFailure, APooledConnectionWhoseServerWentAwayWhileIdleIsReopenedBeforeItIsLent) {
    TemporaryDatabase db;
    courier::pg::ConnectionPool pool(db.dsn(), 1);
    int old_pid = 0;
    {
        auto lease = pool.acquire();
        old_pid = lease->server_pid();
        terminate_backend(db, *lease);  // as a server restart does to every idle connection
    }
    auto lease = pool.acquire();
    auto first = lease->try_exec("SELECT 1");
    ASSERT_TRUE(first.has_value()) << "the borrower's first statement must not meet the dead session: "
                                   << first.error().describe();
    EXPECT_NE(lease->server_pid(), old_pid);
}
