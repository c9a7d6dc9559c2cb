#include "relay_fetch.hpp"

#include <libpq-fe.h>

#include <cstring>
#include <memory>
#include <type_traits>

#include "courier/outbox/header_json.hpp"
#include "courier/pg/errors.hpp"
#include "relay_sql.hpp"

namespace courier::outbox::detail {

namespace {

enum Column { kId, kShard, kTopic, kKey, kHeaders, kPayload, kPartition, kTimestamp, kColumns };

// Binary results are big-endian.
template <typename T>
T big_endian(const char* bytes) {
    using U = std::make_unsigned_t<T>;
    U value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        value = static_cast<U>((value << 8) | static_cast<unsigned char>(bytes[i]));
    return static_cast<T>(value);
}

std::string tidy(const char* text) {
    std::string message = text ? text : "";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    for (char& c : message) {
        if (c == '\n') c = ' ';
    }
    return message;
}

Error failure(PGconn* conn, const PGresult* result) {
    const char* field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = field ? field : "";
    const bool lost = PQstatus(conn) == CONNECTION_BAD;
    const ErrorKind kind = pg::classify_failure(sqlstate, lost);
    std::string code = !sqlstate.empty() ? "pg." + sqlstate
                       : lost            ? std::string(pg::kConnectionLostCode)
                                         : std::string(pg::kClientErrorCode);
    std::string reason = tidy(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
    if (reason.empty()) reason = tidy(PQerrorMessage(conn));
    return Error{kind, std::move(code), "fetching outbox rows: " + reason};
}

// Checks the result's shape once, so the row loop can trust lengths and formats.
bool expected_shape(const PGresult* result) {
    if (PQnfields(result) != kColumns) return false;
    for (int c = 0; c < kColumns; ++c) {
        if (PQfformat(result, c) != 1) return false;
    }
    return true;
}

std::optional<Error> read_row(const PGresult* result, int r, const std::string& id_header, FetchedRow& row) {
    auto value = [&](Column c) { return PQgetvalue(result, r, c); };
    auto length = [&](Column c) { return static_cast<std::size_t>(PQgetlength(result, r, c)); };
    auto null = [&](Column c) { return PQgetisnull(result, r, c) != 0; };
    auto unreadable = [&](std::string why) {
        return Error::poison("outbox.row", "outbox row " + std::to_string(row.id) + " is unreadable: " + why);
    };
    if (null(kId) || length(kId) != 8 || null(kShard) || length(kShard) != 2) {
        return Error::permanent("outbox.row", "the fetch returned a row without id or shard");
    }
    row.id = big_endian<int64_t>(value(kId));
    row.shard = big_endian<int16_t>(value(kShard));
    if (null(kTopic) || null(kHeaders) || null(kPayload))
        return unreadable("topic, headers or payload is NULL");
    // jsonb's binary form: a version byte (1), then the text.
    if (length(kHeaders) < 1 || value(kHeaders)[0] != 1) return unreadable("unknown jsonb format");
    auto headers = decode_headers(std::string_view(value(kHeaders) + 1, length(kHeaders) - 1));
    if (!headers) return unreadable(headers.error().message);
    if ((!null(kPartition) && length(kPartition) != 4) || (!null(kTimestamp) && length(kTimestamp) != 8)) {
        return unreadable("bad kafka_partition or kafka_timestamp_ms");
    }
    Message m;
    m.topic.assign(value(kTopic), length(kTopic));
    if (!null(kKey)) m.key.emplace(value(kKey), length(kKey));
    m.payload.assign(value(kPayload), length(kPayload));
    m.headers = std::move(*headers);
    if (!id_header.empty()) m.headers.add(id_header, std::to_string(row.id));
    if (!null(kPartition)) m.partition = big_endian<int32_t>(value(kPartition));
    if (!null(kTimestamp)) m.timestamp_ms = big_endian<int64_t>(value(kTimestamp));
    row.message = std::move(m);
    return std::nullopt;
}

}  // namespace

Result<std::vector<FetchedRow>> fetch_rows(pg::Connection& connection, const std::vector<int>& shards,
                                           std::size_t limit, const std::string& id_header) {
    PGconn* conn = connection.native_handle();
    if (conn == nullptr)
        return Error::permanent(std::string(pg::kClientErrorCode), "the connection is closed");
    std::string shard_list = "{";
    for (std::size_t i = 0; i < shards.size(); ++i) {
        if (i > 0) shard_list += ',';
        shard_list += std::to_string(shards[i]);
    }
    shard_list += '}';
    const std::string limit_text = std::to_string(limit);
    const char* values[] = {shard_list.c_str(), limit_text.c_str()};
    const std::string sql(kFetchSql);
    // Parameters as text, results in binary (last argument 1).
    std::unique_ptr<PGresult, decltype(&PQclear)> result(
        PQexecParams(conn, sql.c_str(), 2, nullptr, values, nullptr, nullptr, 1), &PQclear);
    if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK) return failure(conn, result.get());
    if (!expected_shape(result.get())) {
        return Error::permanent("outbox.fetch",
                                "the fetch returned an unexpected shape (was courier_outbox changed?)");
    }
    std::vector<FetchedRow> rows(static_cast<std::size_t>(PQntuples(result.get())));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (auto error = read_row(result.get(), static_cast<int>(r), id_header, rows[r])) {
            if (error->kind != ErrorKind::poison) return std::move(*error);
            rows[r].unreadable = std::move(error);
        }
    }
    return rows;
}

}  // namespace courier::outbox::detail
