#include "libpq.hpp"

#include <spdlog/spdlog.h>

#include <climits>

#include "courier/pg/errors.hpp"

namespace courier::pg::detail {

namespace {
constexpr Oid kByteaOid = 17;  // pg_type.oid of bytea; fixed since PostgreSQL 7

std::string field(const PGresult* result, int code) {
    const char* value = result ? PQresultErrorField(result, code) : nullptr;
    return value ? tidy(value) : std::string{};
}
}  // namespace

std::string tidy(std::string_view message) {
    // libpq wraps long messages onto tab-indented continuation lines and puts hints and details
    // on lines of their own: join the first with a space, the others with "; ".
    std::string out;
    bool pending_break = false;
    bool continuation = false;
    for (char c : message) {
        if (c == '\n') {
            pending_break = true;
            continuation = false;
            continue;
        }
        if (pending_break) {
            if (c == '\t' || c == ' ') {
                continuation = true;
                continue;
            }
            out.append(continuation ? " " : "; ");
            pending_break = false;
        }
        out.push_back(c);
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
    return out;
}

void log_notice(void*, const PGresult* notice) {
    const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    const std::string_view level = severity ? severity : "";
    const std::string message = tidy(PQresultErrorMessage(notice));
    // NOTICE and below are chatter ("relation already exists, skipping"); WARNING and FATAL (the
    // server saying why it is closing the connection) deserve to be seen.
    if (level == "WARNING" || level == "ERROR" || level == "FATAL" || level == "PANIC") {
        spdlog::warn("pg: server says: {}", message);
    } else {
        spdlog::debug("pg: server says: {}", message);
    }
}

std::string describe_target(const PGconn* conn) {
    auto text = [](const char* value) { return std::string(value && *value ? value : "?"); };
    return text(PQuser(conn)) + "@" + text(PQhost(conn)) + ":" + text(PQport(conn)) + "/" + text(PQdb(conn));
}

std::string sql_excerpt(std::string_view sql) {
    constexpr std::size_t kMax = 120;
    std::string out;
    bool space = false;
    for (char c : sql) {
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(c);
        if (out.size() >= kMax) return out + "...";
    }
    return out;
}

Error statement_error(const PGconn* conn, const PGresult* result, std::string_view sql) {
    const bool lost = conn == nullptr || PQstatus(conn) == CONNECTION_BAD;
    const std::string sqlstate = field(result, PG_DIAG_SQLSTATE);
    std::string message = field(result, PG_DIAG_MESSAGE_PRIMARY);
    if (message.empty() && result) message = tidy(PQresultErrorMessage(result));
    if (message.empty() && conn) message = tidy(PQerrorMessage(conn));
    if (message.empty()) message = "unknown libpq failure";
    if (!sqlstate.empty()) message += " [SQLSTATE " + sqlstate + "]";
    if (const std::string detail = field(result, PG_DIAG_MESSAGE_DETAIL); !detail.empty()) {
        message += "; detail: " + detail;
    }
    if (const std::string hint = field(result, PG_DIAG_MESSAGE_HINT); !hint.empty()) {
        message += "; PostgreSQL hint: " + hint;
    }
    if (lost && conn) message += "; connection to " + describe_target(conn) + " lost";
    if (!sql.empty()) message += "; statement: " + sql_excerpt(sql);

    const ErrorKind kind = classify_failure(sqlstate, lost);
    std::string code = !sqlstate.empty() ? "pg." + sqlstate
                       : lost            ? std::string(kConnectionLostCode)
                                         : std::string(kClientErrorCode);
    return Error{kind, std::move(code), std::move(message)};
}

Error connection_error(const PGconn* conn, std::string_view doing) {
    std::string reason = conn ? tidy(PQerrorMessage(conn)) : "no connection";
    if (reason.empty()) reason = "connection is not open";
    std::string target = conn ? describe_target(conn) : "?";
    return Error::transient(std::string(kConnectionLostCode),
                            std::string(doing) + " on " + target + " failed: " + reason);
}

std::string hint_for(const Error& error) {
    if (error.code == kConnectionLostCode) return "the connection was lost: call ensure_open() and retry";
    if (error.code == "pg.40001" || error.code == "pg.40P01") return "run the whole transaction again";
    return {};
}

Result<void> ParamArrays::assign(const Params& params) {
    if (params.size() > kInline) {
        heap_types_.resize(params.size());
        heap_values_.resize(params.size());
        heap_lengths_.resize(params.size());
        heap_formats_.resize(params.size());
        types_ = heap_types_.data();
        values_ = heap_values_.data();
        lengths_ = heap_lengths_.data();
        formats_ = heap_formats_.data();
    }
    count_ = static_cast<int>(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        const Param& param = params[i];
        if (param.is_null()) {
            types_[i] = 0;
            values_[i] = nullptr;
            lengths_[i] = 0;
            formats_[i] = 0;
            continue;
        }
        const std::string& value = param.value();
        if (value.size() > static_cast<std::size_t>(INT_MAX)) {
            return Error::permanent(std::string(kClientErrorCode),
                                    "parameter $" + std::to_string(i + 1) + " is larger than 2 GiB");
        }
        if (!param.is_binary() && value.find('\0') != std::string::npos) {
            return Error::permanent(std::string(kClientErrorCode),
                                    "parameter $" + std::to_string(i + 1) +
                                        " holds a NUL byte, which PostgreSQL text cannot store; pass bytes "
                                        "as pg::Bytea");
        }
        types_[i] = param.is_binary() ? kByteaOid : 0;
        values_[i] = value.c_str();
        lengths_[i] = static_cast<int>(value.size());
        formats_[i] = param.is_binary() ? 1 : 0;
    }
    return {};
}

}  // namespace courier::pg::detail
