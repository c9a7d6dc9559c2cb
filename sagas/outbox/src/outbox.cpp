#include "courier/outbox/outbox.hpp"

#include <algorithm>
#include <string>

#include "courier/core/cloud_events.hpp"
#include "courier/core/ids.hpp"
#include "courier/outbox/header_json.hpp"
#include "courier/outbox/key_routing.hpp"

namespace courier::outbox {

namespace {

constexpr std::size_t kRowsPerStatement = 1000;
constexpr int kParamsPerRow = 7;

// One statement: take the writer locks (in array order), then insert the VALUES rows. The INSERT
// pulls its rows through the join with `locked`, whose single row exists only once every lock is
// held, so each row's id is drawn from the sequence after the locks: for one key, id order is
// commit order. VALUES rows keep their order through the join, so ids follow vector order.
std::string insert_sql(std::size_t rows) {
    std::string sql =
        "WITH locked AS (SELECT count(pg_advisory_xact_lock(" + std::to_string(kKeyLockClass) +
        ", k)) AS n FROM unnest($1::integer[]) AS k) "
        "INSERT INTO courier_outbox (shard, topic, key, headers, payload, kafka_partition, "
        "kafka_timestamp_ms) "
        "SELECT v.shard, v.topic, v.key, v.headers, v.payload, v.kafka_partition, v.kafka_timestamp_ms "
        "FROM locked, (VALUES ";
    int p = 2;
    for (std::size_t r = 0; r < rows; ++r) {
        if (r > 0) sql += ", ";
        sql += "($" + std::to_string(p) + "::smallint, $" + std::to_string(p + 1) + "::text, $" +
               std::to_string(p + 2) + "::bytea, $" + std::to_string(p + 3) + "::jsonb, $" +
               std::to_string(p + 4) + "::bytea, $" + std::to_string(p + 5) + "::integer, $" +
               std::to_string(p + 6) + "::bigint)";
        p += kParamsPerRow;
    }
    sql += ") AS v(shard, topic, key, headers, payload, kafka_partition, kafka_timestamp_ms)";
    return sql;
}

const std::string& cached_insert_sql(std::size_t rows) {
    // The full-size and single-row statements cover nearly every call; build those once.
    static const std::string one = insert_sql(1);
    static const std::string full = insert_sql(kRowsPerStatement);
    static thread_local std::string other;
    if (rows == 1) return one;
    if (rows == kRowsPerStatement) return full;
    other = insert_sql(rows);
    return other;
}

std::string int_array(const std::vector<int32_t>& values) {
    std::string text = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) text += ',';
        text += std::to_string(values[i]);
    }
    text += '}';
    return text;
}

Result<void> check(const Message& message) {
    if (message.topic.empty()) {
        return Error::permanent("outbox.invalid", "cannot enqueue a message without a topic");
    }
    return {};
}

}  // namespace

Result<void> Outbox::enqueue(pg::Transaction& transaction, const Message& message) const {
    if (auto ok = check(message); !ok) return ok;
    if (options_.validate) {
        if (auto ok = options_.validate(message); !ok) return ok;
    }
    return insert(transaction, &message, 1, true);
}

Result<void> Outbox::enqueue(pg::Transaction& transaction, const std::vector<Message>& messages) const {
    if (messages.empty()) return {};
    // Validate everything before writing anything, so a bad message leaves the transaction clean.
    for (const Message& m : messages) {
        if (auto ok = check(m); !ok) return ok;
        if (options_.validate) {
            if (auto ok = options_.validate(m); !ok) return ok;
        }
    }
    for (std::size_t at = 0; at < messages.size(); at += kRowsPerStatement) {
        const std::size_t count = std::min(kRowsPerStatement, messages.size() - at);
        // Every lock is taken by the first statement (see insert), so later chunks take none.
        if (auto done = insert(transaction, messages.data() + at, count, at == 0); !done) return done;
    }
    return {};
}

Result<void> Outbox::insert(pg::Transaction& transaction, const Message* messages, std::size_t count,
                            bool take_locks) const {
    if (!transaction.is_active()) {
        return Error::permanent("outbox.invalid",
                                "enqueue needs an active transaction (it was committed or rolled back)");
    }
    std::vector<int32_t> locks;
    pg::Params params;
    params.reserve(1 + count * kParamsPerRow);
    params.emplace_back(std::nullopt);  // $1, the lock array, filled in below
    for (std::size_t i = 0; i < count; ++i) {
        const Message& m = messages[i];
        const KeyRoute r = route(m.topic, m.key);
        if (r.lock) locks.push_back(*r.lock);
        std::string headers;
        if (options_.decorate_headers) {
            Headers decorated = m.headers;
            options_.decorate_headers(decorated);
            headers = encode_headers(decorated);
        } else {
            headers = encode_headers(m.headers);
        }
        if (options_.stamp_missing_id && !m.headers.contains(ce::kId)) {
            append_header(headers, ce::kId, new_uuid());
        }
        params.emplace_back(r.shard);
        params.emplace_back(m.topic);
        params.emplace_back(m.key ? pg::Param(pg::Bytea{*m.key}) : pg::Param(std::nullopt));
        params.emplace_back(std::move(headers));
        params.emplace_back(pg::Bytea{m.payload});
        params.emplace_back(m.partition >= 0 ? pg::Param(m.partition) : pg::Param(std::nullopt));
        params.emplace_back(m.timestamp_ms != 0 ? pg::Param(m.timestamp_ms) : pg::Param(std::nullopt));
    }
    if (take_locks) {
        // A fixed order (ascending, distinct) for every writer: two transactions each taking
        // several keys' locks in one call cannot wait on each other in a cycle.
        std::sort(locks.begin(), locks.end());
        locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
    } else {
        locks.clear();
    }
    params[0] = int_array(locks);
    auto rows = transaction.try_exec(cached_insert_sql(count), params);
    if (!rows) return std::move(rows).error();
    return {};
}

Result<Backlog> Outbox::backlog(pg::Connection& connection) {
    // Counting stops at the limit; the head of each shard is one primary-key probe; the estimate
    // scales the planner's density (reltuples / relpages) to the table's current page count,
    // the way the planner itself does.
    static const std::string sql =
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM courier_outbox LIMIT $1::bigint) AS c) AS counted, "
        "(SELECT (extract(epoch FROM clock_timestamp() - min(h.created_at)) * 1000)::bigint "
        "   FROM generate_series(0, " +
        std::to_string(kShards - 1) +
        ") AS s(wanted) "
        "   CROSS JOIN LATERAL (SELECT created_at FROM courier_outbox WHERE shard = s.wanted "
        "                       ORDER BY id LIMIT 1) AS h) AS oldest_ms, "
        "(SELECT CASE WHEN c.relpages > 0 AND c.reltuples >= 0 "
        "   THEN (c.reltuples / c.relpages * (pg_relation_size(c.oid) / "
        "current_setting('block_size')::bigint))::bigint "
        "   ELSE -1 END FROM pg_class c WHERE c.oid = 'courier_outbox'::regclass) AS estimate";
    auto rows = connection.try_exec(sql, {kExactCountLimit + 1});
    if (!rows) return std::move(rows).error();
    Backlog backlog;
    const int64_t counted = rows->get<int64_t>(0, "counted");
    backlog.oldest_age = std::chrono::milliseconds(
        std::max<int64_t>(0, rows->get_optional<int64_t>(0, "oldest_ms").value_or(0)));
    if (counted <= kExactCountLimit) {
        backlog.rows = counted;
    } else {
        backlog.exact = false;
        backlog.rows = std::max(counted, rows->get<int64_t>(0, "estimate"));
    }
    return backlog;
}

}  // namespace courier::outbox
