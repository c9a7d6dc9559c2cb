#pragma once
// Applies a component's migrations exactly once per database, even with many processes starting.

#include <string_view>
#include <vector>

#include "courier/pg/connection.hpp"
#include "courier/pg/migration.hpp"

namespace courier::pg {

/// What one MigrationRunner::apply call did, by version.
struct MigrationReport {
    std::vector<int> applied;  ///< applied by this call
    std::vector<int> skipped;  ///< already applied (by an earlier run or a concurrent process)
};

/// Applies migrations and records them in `courier_migrations(component, version, name,
/// applied_at)` (created if missing). Each migration runs in its own transaction together with
/// its bookkeeping row, under pg_advisory_xact_lock(hash of the component), so processes that
/// start together apply each migration exactly once and the others skip it. Not thread-safe (it
/// uses one Connection; give each thread its own runner and connection). Blocks.
class MigrationRunner {
public:
    explicit MigrationRunner(Connection& connection) noexcept : connection_(&connection) {}

    /// Applies, in version order, those of `migrations` not yet recorded for `component`. Throws
    /// ConfigError for duplicate or non-positive versions (nothing is applied then), and
    /// DatabaseError when a migration fails: the message names the component, version, name or
    /// file and PostgreSQL's message; nothing of that migration stays applied, the ones before
    /// it stay, the ones after it are not tried.
    MigrationReport apply(std::string_view component, std::vector<Migration> migrations);

private:
    void ensure_bookkeeping_table();

    Connection* connection_;
};

}  // namespace courier::pg
