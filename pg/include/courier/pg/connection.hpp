#pragma once
// One PostgreSQL connection: RAII over libpq's PGconn.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/pg/errors.hpp"
#include "courier/pg/params.hpp"
#include "courier/pg/rows.hpp"

struct pg_conn;  // libpq's PGconn, kept out of public headers

namespace courier::pg {

/// A NOTIFY received on a channel this connection LISTENs to.
struct Notification {
    std::string channel;
    std::string payload;
    int backend_pid = 0;  ///< server process that sent it
};

/// One open connection to PostgreSQL. Not thread-safe: one thread uses it at a time (give each
/// thread, relay or consumer loop its own). Movable, not copyable; a moved-from Connection is
/// closed and every call on it fails (permanent error).
///
/// Every call that talks to the server blocks until the server answers (or the connection
/// breaks). Two flavours: exec() and friends throw DatabaseError, for setup code; try_exec() and
/// friends return Result, for hot loops. Errors carry ErrorKind from classify_failure(): a lost
/// connection is transient — call ensure_open() (or reconnect()) and retry.
class Connection {
public:
    /// Connects, blocking until the server accepts or refuses. `dsn` is a libpq URI or key=value
    /// string; connect_timeout defaults to 10 s and application_name to "courier" unless the DSN
    /// says otherwise. Throws DatabaseError: permanent when the DSN itself is malformed; transient
    /// for every failed attempt (server down or starting, refused login, unknown database — libpq
    /// gives no SQLSTATE to tell these apart). The message names user, host, port and database
    /// and libpq's reason, never the password; the hint asks whether PostgreSQL is running.
    static Connection open(std::string_view dsn);

    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();

    /// Runs one parameterised statement ($1, $2, ... bound to `params`, sent separately from the
    /// SQL) and returns its rows. Throws DatabaseError.
    Rows exec(std::string_view sql, const Params& params = {});
    /// exec() without exceptions (except std::bad_alloc), for hot loops.
    Result<Rows> try_exec(std::string_view sql, const Params& params = {});

    /// Runs a trusted script of several statements with no parameters (simple query protocol),
    /// for migrations and test setup. Never build `sql` from input: values belong in exec().
    /// Inside a transaction the script may not end it. Throws DatabaseError.
    void exec_script(std::string_view sql);
    Result<void> try_exec_script(std::string_view sql);

    /// True while libpq considers the connection usable. Does not ask the server: a connection
    /// the server dropped is noticed by the next statement, which fails transient.
    bool is_open() const noexcept;
    /// True inside BEGIN ... COMMIT (including a transaction that failed and awaits ROLLBACK).
    bool in_transaction() const noexcept;

    /// Reconnects (PQreset, blocking) if the connection is broken; a no-op when it is open. After
    /// a reconnect the LISTENs of this connection are issued again; an open transaction is lost.
    /// Throws DatabaseError (transient) when the server is still unreachable.
    void ensure_open();
    Result<void> try_ensure_open();
    /// Closes and reopens the connection unconditionally, with the same effects as ensure_open().
    void reconnect();
    Result<void> try_reconnect();

    /// LISTEN on `channel` (quoted as an identifier, so any text is a valid name). Remembered and
    /// repeated after a reconnect. Throws DatabaseError.
    void listen(std::string_view channel);
    void unlisten(std::string_view channel);
    /// pg_notify(channel, payload): delivered to listeners when the current transaction commits
    /// (at once in autocommit). Throws DatabaseError.
    void notify(std::string_view channel, std::string_view payload = {});

    /// Waits up to `timeout` for a notification on a LISTENed channel (poll() on socket(), then
    /// PQconsumeInput); returns one already received without waiting. std::nullopt when the time
    /// runs out. Blocks the calling thread. Throws DatabaseError (transient) if the connection
    /// breaks while waiting.
    std::optional<Notification> wait_for_notification(std::chrono::milliseconds timeout);
    Result<std::optional<Notification>> try_wait_for_notification(std::chrono::milliseconds timeout);

    /// The socket to watch for readability in an event loop (then call
    /// wait_for_notification(0ms)); -1 when closed. Changes after a reconnect.
    int socket() const noexcept;
    /// Process id of the server backend serving this connection (0 when closed).
    int server_pid() const noexcept;
    /// "user@host:port/database" — where this connection goes, without the password.
    const std::string& target() const noexcept { return target_; }

    /// `name` as a quoted SQL identifier ("order" -> "\"order\""), for the rare statements that
    /// cannot take an identifier as a parameter (LISTEN, CREATE DATABASE). Throws DatabaseError.
    std::string quote_identifier(std::string_view name) const;

    /// The libpq connection, for what this class does not cover. Stays owned by this Connection.
    pg_conn* native_handle() const noexcept { return conn_.get(); }

private:
    struct Deleter {
        void operator()(pg_conn* conn) const noexcept;
    };
    explicit Connection(pg_conn* conn);

    Error closed_error() const;
    Result<Rows> take_result(pg_result* result, std::string_view sql);
    Result<void> relisten();

    std::unique_ptr<pg_conn, Deleter> conn_;
    std::string target_;
    std::vector<std::string> channels_;  // LISTENed, repeated after a reconnect
};

}  // namespace courier::pg
