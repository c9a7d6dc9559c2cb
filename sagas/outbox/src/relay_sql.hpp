#pragma once
// The relay's statements, in one place (OutboxRelay::fetch_sql()/delete_sql() expose them).

#include <string_view>

namespace courier::outbox::detail {

/// $1 smallint[] shards (in the order to serve them), $2 batch size. Each shard's rows come in id
/// order, shard after shard (a nested loop over the array, an index scan of the primary key per
/// shard); the outer LIMIT cuts that stream, so what each shard contributes is a prefix of its
/// visible rows in id order — the property per-key order rests on. A Function Scan cannot be
/// the partial side of a parallel plan, so no Gather can interleave the shards. Run by
/// fetch_rows() (relay_fetch.hpp) with binary results.
inline constexpr std::string_view kFetchSql =
    "SELECT o.id, o.shard, o.topic, o.key, o.headers, o.payload, o.kafka_partition, o.kafka_timestamp_ms "
    "FROM unnest($1::smallint[]) AS s(wanted) "
    "CROSS JOIN LATERAL ("
    "SELECT id, shard, topic, key, headers, payload, kafka_partition, kafka_timestamp_ms "
    "FROM courier_outbox WHERE courier_outbox.shard = s.wanted ORDER BY id LIMIT $2::integer) AS o "
    "LIMIT $2::integer";

/// $1 smallint[] shards, $2 bigint[] ids, pairwise: one primary-key probe per row.
inline constexpr std::string_view kDeleteSql =
    "DELETE FROM courier_outbox AS o USING unnest($1::smallint[], $2::bigint[]) AS d(shard, id) "
    "WHERE o.shard = d.shard AND o.id = d.id";

}  // namespace courier::outbox::detail
