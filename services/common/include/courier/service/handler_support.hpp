#pragma once
// Small pieces the store services' HTTP and message handlers share.

#include <functional>
#include <string>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/http/response.hpp"
#include "courier/pg/connection_pool.hpp"
#include "courier/pg/transaction.hpp"

namespace courier::service {

/// The HTTP answer to a failed operation, as an HttpError to throw: schema.* and outbox.invalid →
/// 400 invalid_input (the schema's message says what and where), pg.23505 → 409 conflict,
/// pg.23514 (a CHECK) → 409 conflict, transient → 503 unavailable (retry later), else 500.
[[noreturn]] void throw_http_error(const Error& error);

/// Runs `body` in a transaction on a pooled connection and commits; database failures (thrown
/// or returned) become throw_http_error. The body may throw http::HttpError itself.
http::Response in_transaction(pg::ConnectionPool& pool, const std::function<http::Response(pg::Transaction&)>& body);

/// Unwraps a Result inside an HTTP handler (throw_http_error on failure).
template <typename T>
T http_value(Result<T> result) {
    if (!result) throw_http_error(result.error());
    return std::move(result).value();
}
template <typename T>
void http_check(const Result<T>& result) {
    if (!result) throw_http_error(result.error());
}

/// The '{a,b}' text form of a PostgreSQL array of plain tokens (ids that passed validation).
std::string text_array(const std::vector<std::string>& items);

/// True for a canonical lower- or upper-case UUID (8-4-4-4-12 hex digits).
bool is_uuid(std::string_view text) noexcept;

}  // namespace courier::service
