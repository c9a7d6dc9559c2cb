#include "courier/service/handler_support.hpp"

#include <cctype>

#include "courier/core/errors.hpp"
#include "courier/http/http_error.hpp"
#include "courier/http/response.hpp"
#include "courier/pg/errors.hpp"

namespace courier::service {

void throw_http_error(const Error& error) {
    const auto& code = error.code;
    if (code.rfind("schema.", 0) == 0 || code == "outbox.invalid") {
        throw http::HttpError(400, "invalid_input", error.message);
    }
    const auto sqlstate = pg::sqlstate_of(error);
    if (sqlstate == "23505") throw http::HttpError(409, "conflict", "already exists: " + error.message);
    if (sqlstate == "23514") throw http::HttpError(409, "conflict", "refused by a constraint: " + error.message);
    if (sqlstate == "22P02") throw http::HttpError(400, "invalid_input", error.message);
    if (error.kind == ErrorKind::transient) {
        throw http::HttpError(503, "unavailable", error.describe() + " (retry later)");
    }
    throw http::HttpError(500, "internal", error.describe());
}

http::Response in_transaction(pg::ConnectionPool& pool,
                              const std::function<http::Response(pg::Transaction&)>& body) {
    try {
        auto connection = pool.try_acquire(std::chrono::seconds(5));
        if (!connection) throw_http_error(connection.error());
        auto tx = pg::Transaction::try_begin(**connection);
        if (!tx) throw_http_error(tx.error());
        auto response = body(*tx);
        http_check(tx->try_commit());
        return response;
    } catch (const pg::DatabaseError& e) {
        throw_http_error(e.to_error());
    }
}

std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        out += items[i];
    }
    return out + "}";
}

bool is_uuid(std::string_view text) noexcept {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
}

}  // namespace courier::service
