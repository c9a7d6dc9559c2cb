#include "courier/pg/errors.hpp"

namespace courier::pg {

ErrorKind classify_sqlstate(std::string_view sqlstate) noexcept {
    if (sqlstate.size() != 5) return ErrorKind::permanent;
    const std::string_view cls = sqlstate.substr(0, 2);
    // Whole classes: the connection itself failed (08) or the server ran short of something (53:
    // disk, memory, connections) — all conditions that pass.
    if (cls == "08" || cls == "53") return ErrorKind::transient;
    // Concurrency conflicts and restarts: running the transaction again is the documented remedy.
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") return ErrorKind::transient;
    if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") return ErrorKind::transient;
    return ErrorKind::permanent;
}

ErrorKind classify_failure(std::string_view sqlstate, bool connection_lost) noexcept {
    return connection_lost ? ErrorKind::transient : classify_sqlstate(sqlstate);
}

std::string_view sqlstate_of(const Error& error) noexcept {
    const std::string_view code = error.code;
    if (code.size() == 8 && code.substr(0, 3) == "pg.") return code.substr(3);
    return {};
}

namespace {
std::string code_for(ErrorKind kind, const std::string& sqlstate) {
    if (!sqlstate.empty()) return "pg." + sqlstate;
    return std::string(kind == ErrorKind::transient ? kConnectionLostCode : kClientErrorCode);
}
}  // namespace

DatabaseError::DatabaseError(ErrorKind kind, std::string sqlstate, std::string message, std::string hint)
    : CourierError(kind, std::move(message), std::move(hint)),
      sqlstate_(std::move(sqlstate)),
      code_(code_for(kind, sqlstate_)) {}

DatabaseError::DatabaseError(const Error& error, std::string hint)
    : CourierError(error.kind, error.message, std::move(hint)),
      sqlstate_(sqlstate_of(error)),
      code_(error.code) {}

}  // namespace courier::pg
