#pragma once
// The coordinator's tables, as migrations of the component "courier.saga".

#include <string_view>
#include <vector>

#include "courier/pg/connection.hpp"
#include "courier/pg/migration.hpp"

namespace courier::saga {

inline constexpr std::string_view kComponent = "courier.saga";

/// Version 1 creates
///
///   courier_saga_instance(id text PK, type text, status text, step int, attempt int,
///                         data jsonb, version bigint, awaiting text NULL, reason text NULL,
///                         created_at, updated_at timestamptz, deadline timestamptz NULL)
///   courier_saga_history(id bigserial PK, saga_id text, at timestamptz, from_status text NULL,
///                        to_status text, step int, message_id text NULL, detail text)
///
/// with a partial index on deadline (the sweeper's claim), one on (type, status, updated_at)
/// for listings, and one on history (saga_id, id). History is append-only.
std::vector<pg::Migration> migrations();

/// Applies migrations() idempotently with pg::MigrationRunner under kComponent. Blocks. Throws
/// pg::DatabaseError when a migration fails.
void install(pg::Connection& connection);

}  // namespace courier::saga
