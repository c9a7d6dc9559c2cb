#pragma once
// Private glue between courier's types and libpq's C API; the only header that sees libpq-fe.h
// besides the sources.

#include <libpq-fe.h>

#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/pg/params.hpp"

namespace courier::pg::detail {

/// libpq's text without trailing newlines, its continuation lines joined with "; ".
std::string tidy(std::string_view libpq_message);

/// PQnoticeReceiver that sends server notices and warnings to spdlog instead of stderr.
void log_notice(void* unused, const PGresult* notice);

/// "user@host:port/database" of a connection (attempted or open); never the password.
std::string describe_target(const PGconn* conn);

/// The first ~120 characters of a statement on one line, for error messages.
std::string sql_excerpt(std::string_view sql);

/// The Error for a statement that failed: `result` may be null (libpq could not even send it).
/// Kind from classify_failure(SQLSTATE, connection now bad); message with the server's primary
/// message, SQLSTATE, detail and hint, and the statement excerpt.
Error statement_error(const PGconn* conn, const PGresult* result, std::string_view sql);

/// The Error for a connection-level failure (reset, consume input): transient, code pg.connection.
Error connection_error(const PGconn* conn, std::string_view doing);

/// What to do about a failure, for the hint of the DatabaseError thrown for it ("" if nothing
/// useful can be said).
std::string hint_for(const Error& error);

/// Parameters laid out as PQexecParams wants them; views into `params`, which must outlive it.
/// Statements rarely have many parameters, so up to kInline of them need no allocation.
class ParamArrays {
public:
    ParamArrays() = default;
    ParamArrays(const ParamArrays&) = delete;
    ParamArrays& operator=(const ParamArrays&) = delete;

    /// Fails (permanent) if a text parameter holds a NUL byte, which libpq would silently cut.
    Result<void> assign(const Params& params);

    int count() const noexcept { return count_; }
    const Oid* types() const noexcept { return types_; }
    const char* const* values() const noexcept { return values_; }
    const int* lengths() const noexcept { return lengths_; }
    const int* formats() const noexcept { return formats_; }

private:
    static constexpr std::size_t kInline = 16;

    int count_ = 0;
    Oid* types_ = inline_types_;
    const char** values_ = inline_values_;
    int* lengths_ = inline_lengths_;
    int* formats_ = inline_formats_;
    Oid inline_types_[kInline];
    const char* inline_values_[kInline];
    int inline_lengths_[kInline];
    int inline_formats_[kInline];
    std::vector<Oid> heap_types_;
    std::vector<const char*> heap_values_;
    std::vector<int> heap_lengths_;
    std::vector<int> heap_formats_;
};

}  // namespace courier::pg::detail
