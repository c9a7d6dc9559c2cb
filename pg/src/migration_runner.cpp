#include "courier/pg/migration_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "courier/core/errors.hpp"
#include "courier/pg/transaction.hpp"

namespace courier::pg {

namespace {

// Both locks are transaction-scoped: they go away with COMMIT or ROLLBACK, and with the session if
// the process dies, so a crashed runner never blocks the next one.
constexpr std::string_view kLockTable =
    "SELECT pg_advisory_xact_lock(hashtextextended('courier_migrations', 0))";
constexpr std::string_view kLockComponent = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

std::string describe(std::string_view component, const Migration& migration) {
    std::string text = "migration " + std::to_string(migration.version) + " of component \"" +
                       std::string(component) + "\" (";
    text += migration.source.empty() ? "\"" + migration.name + "\"" : migration.source;
    return text + ")";
}

}  // namespace

void MigrationRunner::ensure_bookkeeping_table() {
    if (!connection_->exec("SELECT to_regclass('courier_migrations')").is_null(0, 0)) return;
    // CREATE TABLE IF NOT EXISTS is not safe against itself running concurrently (both sessions
    // may try to insert the catalog rows): serialise it.
    Transaction tx(*connection_);
    tx.exec(kLockTable);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS courier_migrations ("
        " component text NOT NULL,"
        " version integer NOT NULL,"
        " name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now(),"
        " PRIMARY KEY (component, version))");
    tx.commit();
}

MigrationReport MigrationRunner::apply(std::string_view component, std::vector<Migration> migrations) {
    if (component.empty()) throw ConfigError("MigrationRunner::apply needs a component name");
    std::sort(migrations.begin(), migrations.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version <= 0) {
            throw ConfigError(describe(component, migrations[i]) + " has a version that is not positive");
        }
        if (i > 0 && migrations[i].version == migrations[i - 1].version) {
            throw ConfigError(describe(component, migrations[i - 1]) + " and " +
                              describe(component, migrations[i]) + " share a version");
        }
    }

    ensure_bookkeeping_table();
    const std::string lock_key = "courier_migrations/" + std::string(component);
    MigrationReport report;
    for (const Migration& migration : migrations) {
        Transaction tx(*connection_);
        // Whoever holds the lock applies; the others wait here and then find the row.
        tx.exec(kLockComponent, {lock_key});
        const Rows recorded =
            tx.exec("SELECT name FROM courier_migrations WHERE component = $1 AND version = $2",
                    {component, migration.version});
        if (!recorded.empty()) {
            if (recorded.get<std::string_view>(0, 0) != migration.name) {
                spdlog::warn("pg: {} is recorded as applied under the name \"{}\"",
                             describe(component, migration), recorded.get<std::string_view>(0, 0));
            }
            tx.commit();
            report.skipped.push_back(migration.version);
            continue;
        }

        if (auto done = connection_->try_exec_script(migration.sql); !done) {
            Error error = std::move(done).error();
            error.message =
                describe(component, migration) + " failed, nothing of it was applied: " + error.message;
            throw DatabaseError(error);
        }
        if (!connection_->in_transaction()) {
            throw DatabaseError(
                ErrorKind::permanent, "",
                describe(component, migration) +
                    " ended the runner's transaction itself; its work may be partly applied",
                "remove BEGIN/COMMIT/ROLLBACK from migration files: each runs in its own transaction");
        }
        tx.exec("INSERT INTO courier_migrations (component, version, name) VALUES ($1, $2, $3)",
                {component, migration.version, migration.name});
        tx.commit();
        spdlog::info("pg: applied {}", describe(component, migration));
        report.applied.push_back(migration.version);
    }
    return report;
}

}  // namespace courier::pg
