#pragma once
// PostgreSQL failures as courier sees them: one exception type for boundaries, one mapping from
// SQLSTATE to ErrorKind for everyone (STYLE.md, Errors).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "courier/core/errors.hpp"
#include "courier/core/result.hpp"

namespace courier::pg {

/// The one place that decides whether a SQLSTATE is worth retrying. Transient: class 08
/// (connection exception), 40001 (serialization_failure), 40P01 (deadlock_detected), 57P01/57P02/
/// 57P03 (admin shutdown, crash shutdown, cannot connect now), class 53 (insufficient resources),
/// 55P03 (lock_not_available). Everything else, including an empty or malformed code, is
/// permanent. Thread-safe, never blocks.
ErrorKind classify_sqlstate(std::string_view sqlstate) noexcept;

/// classify_sqlstate(), except that a failure which left the connection broken (CONNECTION_BAD)
/// is transient even without a SQLSTATE: the server went away, a reconnect may fix it.
ErrorKind classify_failure(std::string_view sqlstate, bool connection_lost) noexcept;

/// Error::code for a failure without a SQLSTATE that broke the connection.
inline constexpr std::string_view kConnectionLostCode = "pg.connection";
/// Error::code for a failure found on the client side (bad parameter, unexpected result).
inline constexpr std::string_view kClientErrorCode = "pg.client";

/// The SQLSTATE inside an Error::code of the form "pg.XXXXX", or "" when there is none.
std::string_view sqlstate_of(const Error& error) noexcept;

/// A PostgreSQL failure thrown at a boundary (opening a connection, setup code, migrations).
/// kind() says whether retrying may help; sqlstate() is the server's code ("" when the failure
/// happened on the client side or the connection was lost before the server said anything).
class DatabaseError : public CourierError {
public:
    DatabaseError(ErrorKind kind, std::string sqlstate, std::string message, std::string hint = {});
    /// From the value form used by try_* calls; the SQLSTATE is taken from error.code.
    explicit DatabaseError(const Error& error, std::string hint = {});

    const std::string& sqlstate() const noexcept { return sqlstate_; }
    /// "pg.<SQLSTATE>", or "pg.connection" / "pg.client" when there is no SQLSTATE.
    const std::string& code() const noexcept { return code_; }
    /// The value form: same code, kind and message.
    Error to_error() const { return Error{kind(), code_, message()}; }

private:
    std::string sqlstate_;
    std::string code_;
};

/// A pipeline batch failed: statement_index() is the 0-based position, in the order add() was
/// called, of the first statement that failed; the statements after it were not run.
class PipelineError : public DatabaseError {
public:
    PipelineError(const Error& error, std::size_t statement_index, std::string hint = {})
        : DatabaseError(error, std::move(hint)), statement_index_(statement_index) {}

    std::size_t statement_index() const noexcept { return statement_index_; }

private:
    std::size_t statement_index_;
};

}  // namespace courier::pg
