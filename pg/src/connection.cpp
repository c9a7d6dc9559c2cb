#include "courier/pg/connection.hpp"

#include <sys/socket.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "courier/pg/dsn.hpp"
#include "libpq.hpp"

namespace courier::pg {

namespace {

constexpr std::string_view kStartHint =
    "is PostgreSQL running there, and do the user and database exist? Start a local server with "
    "scripts/postgres start, or check the DSN";

bool looks_like_conninfo(std::string_view dsn) {
    return dsn.find('=') != std::string_view::npos || dsn.substr(0, 13) == "postgresql://" ||
           dsn.substr(0, 11) == "postgres://";
}

// libpq's messages do not print passwords, but a password can be echoed back inside a quoted
// piece of a malformed DSN or a server message: blank any occurrence to be sure.
std::string without_password(std::string text, const PGconn* conn) {
    const char* password = conn ? PQpass(conn) : nullptr;
    if (password == nullptr || std::strlen(password) < 3) return text;
    const std::string_view secret(password);
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "***");
    }
    return text;
}

}  // namespace

void Connection::Deleter::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }

Connection::Connection(pg_conn* conn) : conn_(conn), target_(detail::describe_target(conn)) {
    PQsetNoticeReceiver(conn, &detail::log_notice, nullptr);  // survives PQreset: it belongs to the PGconn
}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Connection Connection::open(std::string_view dsn) {
    const std::string dsn_text(dsn);
    // Keywords before "dbname" are defaults that the expanded DSN overrides.
    const char* const keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* const values[] = {"10", "courier", dsn_text.c_str(), nullptr};
    std::unique_ptr<pg_conn, Deleter> conn(PQconnectdbParams(keywords, values, 1));
    if (!conn) throw DatabaseError(ErrorKind::transient, "", "cannot allocate a PostgreSQL connection");
    if (PQstatus(conn.get()) == CONNECTION_OK) return Connection(conn.release());

    const std::string reason = without_password(detail::tidy(PQerrorMessage(conn.get())), conn.get());
    if (looks_like_conninfo(dsn)) {
        char* parse_error = nullptr;
        PQconninfoOption* options = PQconninfoParse(dsn_text.c_str(), &parse_error);
        PQconninfoFree(options);
        PQfreemem(parse_error);
        if (options == nullptr) {
            // A malformed DSN fails the same way every time: retrying cannot help.
            throw DatabaseError(ErrorKind::permanent, "",
                                "PostgreSQL DSN " + redact_dsn(dsn) + " is malformed: " + reason,
                                "use postgresql://user@host:port/database or host=... port=... dbname=...");
        }
    }
    throw DatabaseError(
        ErrorKind::transient, "",
        "cannot connect to PostgreSQL at " + detail::describe_target(conn.get()) + ": " + reason,
        std::string(kStartHint));
}

Error Connection::closed_error() const {
    return Error::permanent(std::string(kClientErrorCode), "the connection is closed (moved from)");
}

Result<Rows> Connection::take_result(pg_result* raw, std::string_view sql) {
    Rows rows(raw);
    switch (raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
        case PGRES_EMPTY_QUERY:
            return rows;
        default:
            return detail::statement_error(conn_.get(), raw, sql);
    }
}

Result<Rows> Connection::try_exec(std::string_view sql, const Params& params) {
    if (!conn_) return closed_error();
    detail::ParamArrays arrays;
    if (auto assigned = arrays.assign(params); !assigned) return std::move(assigned).error();
    const std::string text(sql);
    // Results in text format (last argument 0): every getter parses PostgreSQL's text output.
    return take_result(PQexecParams(conn_.get(), text.c_str(), arrays.count(), arrays.types(),
                                    arrays.values(), arrays.lengths(), arrays.formats(), 0),
                       sql);
}

Rows Connection::exec(std::string_view sql, const Params& params) {
    auto rows = try_exec(sql, params);
    if (!rows) throw DatabaseError(rows.error(), detail::hint_for(rows.error()));
    return std::move(rows).value();
}

Result<void> Connection::try_exec_script(std::string_view sql) {
    if (!conn_) return closed_error();
    const std::string text(sql);
    // PQexec runs every statement and returns the last result, or the first error.
    auto result = take_result(PQexec(conn_.get(), text.c_str()), sql);
    if (!result) return std::move(result).error();
    return {};
}

void Connection::exec_script(std::string_view sql) {
    if (auto done = try_exec_script(sql); !done)
        throw DatabaseError(done.error(), detail::hint_for(done.error()));
}

bool Connection::is_open() const noexcept { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

bool Connection::in_transaction() const noexcept {
    if (!conn_) return false;
    const PGTransactionStatusType status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

Result<void> Connection::try_reconnect() {
    if (!conn_) return closed_error();
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        Error error = detail::connection_error(conn_.get(), "reconnecting");
        error.message = without_password(std::move(error.message), conn_.get());
        return error;
    }
    return relisten();
}

Result<void> Connection::try_ensure_open() {
    // A server that restarted closed this socket while it sat idle, and libpq notices only on the
    // next read: read what is pending now (PQconsumeInput never blocks), so a pooled connection
    // is reopened here instead of failing its borrower's next statement.
    if (is_open() && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) {
        PQconsumeInput(conn_.get());  // takes the server's FATAL "terminating connection" notice
        char byte = 0;
        if (is_open() && ::recv(PQsocket(conn_.get()), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
            return try_reconnect();  // and then the socket's end
        }
    }
    if (is_open()) return {};
    return try_reconnect();
}

void Connection::reconnect() {
    if (auto done = try_reconnect(); !done) throw DatabaseError(done.error(), std::string(kStartHint));
}

void Connection::ensure_open() {
    if (auto done = try_ensure_open(); !done) throw DatabaseError(done.error(), std::string(kStartHint));
}

Result<void> Connection::relisten() {
    for (const std::string& channel : channels_) {
        auto done = try_exec("LISTEN " + quote_identifier(channel));
        if (!done) return std::move(done).error();
    }
    return {};
}

std::string Connection::quote_identifier(std::string_view name) const {
    if (!conn_) throw DatabaseError(closed_error());
    std::unique_ptr<char, decltype(&PQfreemem)> quoted(
        PQescapeIdentifier(conn_.get(), name.data(), name.size()), &PQfreemem);
    if (!quoted) {
        throw DatabaseError(ErrorKind::permanent, "",
                            "cannot quote identifier: " + detail::tidy(PQerrorMessage(conn_.get())));
    }
    return quoted.get();
}

void Connection::listen(std::string_view channel) {
    exec("LISTEN " + quote_identifier(channel));
    if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end())
        channels_.emplace_back(channel);
}

void Connection::unlisten(std::string_view channel) {
    exec("UNLISTEN " + quote_identifier(channel));
    std::erase(channels_, channel);
}

void Connection::notify(std::string_view channel, std::string_view payload) {
    exec("SELECT pg_notify($1, $2)", {channel, payload});
}

Result<std::optional<Notification>> Connection::try_wait_for_notification(std::chrono::milliseconds timeout) {
    if (!conn_) return closed_error();
    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
        // Reads whatever arrived without blocking; notifications are parsed out of it.
        if (PQconsumeInput(conn_.get()) == 0) {
            return detail::connection_error(conn_.get(), "waiting for a notification");
        }
        if (PGnotify* raw = PQnotifies(conn_.get())) {
            std::unique_ptr<PGnotify, decltype(&PQfreemem)> notify(raw, &PQfreemem);
            return std::optional<Notification>(
                Notification{notify->relname, notify->extra ? notify->extra : "", notify->be_pid});
        }
        const Clock::time_point now = Clock::now();
        if (now >= deadline) return std::optional<Notification>();
        const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        pollfd descriptor{PQsocket(conn_.get()), POLLIN, 0};
        const int ready =
            ::poll(&descriptor, 1, static_cast<int>(std::min<int64_t>(remaining.count(), INT32_MAX)));
        if (ready < 0 && errno != EINTR) {
            return Error::transient(
                std::string(kConnectionLostCode),
                "poll() on the connection to " + target_ + " failed: " + std::strerror(errno));
        }
    }
}

std::optional<Notification> Connection::wait_for_notification(std::chrono::milliseconds timeout) {
    auto notification = try_wait_for_notification(timeout);
    if (!notification) {
        throw DatabaseError(notification.error(), detail::hint_for(notification.error()));
    }
    return std::move(notification).value();
}

int Connection::socket() const noexcept { return conn_ ? PQsocket(conn_.get()) : -1; }

int Connection::server_pid() const noexcept { return conn_ ? PQbackendPID(conn_.get()) : 0; }

}  // namespace courier::pg
