#pragma once
// The outbox's tables, as migrations of the component "courier.outbox".

#include <string_view>
#include <vector>

#include "courier/pg/connection.hpp"
#include "courier/pg/migration.hpp"

namespace courier::outbox {

/// Component name under which pg::MigrationRunner records the outbox's migrations.
inline constexpr std::string_view kComponent = "courier.outbox";
/// The outbox table (in the connection's search_path, usually "public").
inline constexpr std::string_view kTable = "courier_outbox";
/// Channel of the NOTIFY that every insert into the table sends when its transaction commits.
inline constexpr std::string_view kChannel = "courier_outbox";

/// The migrations, in order. Version 1 creates
///
///   courier_outbox(id bigserial, shard smallint CHECK (0 <= shard < kShards), topic text,
///                  key bytea NULL, headers jsonb, payload bytea, kafka_partition int NULL,
///                  kafka_timestamp_ms bigint NULL, created_at timestamptz,
///                  PRIMARY KEY (shard, id))
///
/// with its only index the primary key (the relay's fetch walks it per shard in id order; the
/// DELETE finds rows by it), autovacuum tuned for a queue table (vacuum after ~1% of rows died,
/// so the index stays free of long runs of dead entries), and a statement-level AFTER INSERT
/// trigger that sends NOTIFY courier_outbox — delivered only if the transaction commits,
/// collapsed to one per transaction. PostgreSQL serialises the commits of all transactions that
/// sent a NOTIFY (a database-wide lock from pre-commit to the end of the commit); writers that
/// commit thousands of outbox transactions a second can skip it per session, role or database
/// with `SET courier.outbox_notify = 'off'` and rely on the relay's poll_interval instead.
std::vector<pg::Migration> migrations();

/// Applies migrations() idempotently with pg::MigrationRunner under kComponent (safe when many
/// processes start at once). Blocks. Throws pg::DatabaseError when a migration fails.
void install(pg::Connection& connection);

}  // namespace courier::outbox
