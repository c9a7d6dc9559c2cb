#include "courier/saga/saga_schema.hpp"

#include "courier/pg/migration_runner.hpp"

namespace courier::saga {

std::vector<pg::Migration> migrations() {
    return {
        {1, "create_saga_tables",
         R"sql(
CREATE TABLE courier_saga_instance (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('running', 'compensating', 'completed', 'compensated',
                                                'failed_needs_attention')),
    step        integer NOT NULL,
    attempt     integer NOT NULL DEFAULT 1,
    data        jsonb NOT NULL,
    version     bigint NOT NULL,
    awaiting    text,
    reason      text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deadline    timestamptz
);
-- The sweeper's claim reads only instances that wait for something.
CREATE INDEX courier_saga_instance_deadline ON courier_saga_instance (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX courier_saga_instance_listing ON courier_saga_instance (type, status, updated_at);
CREATE TABLE courier_saga_history (
    id          bigserial PRIMARY KEY,
    saga_id     text NOT NULL,
    at          timestamptz NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    step        integer NOT NULL,
    message_id  text,
    command_id  text,
    detail      text NOT NULL
);
CREATE INDEX courier_saga_history_saga ON courier_saga_history (saga_id, id);
)sql"},
    };
}

void install(pg::Connection& connection) { pg::MigrationRunner(connection).apply(kComponent, migrations()); }

}  // namespace courier::saga
