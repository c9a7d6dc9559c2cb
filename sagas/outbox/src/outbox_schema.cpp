#include "courier/outbox/outbox_schema.hpp"

#include "courier/outbox/key_routing.hpp"
#include "courier/pg/migration_runner.hpp"

namespace courier::outbox {

std::vector<pg::Migration> migrations() {
    static_assert(kShards == 16, "migration 1 fixes the shard count in a CHECK constraint");
    return {{1, "create_outbox", R"sql(
CREATE TABLE courier_outbox (
    id                 bigserial   NOT NULL,
    shard              smallint    NOT NULL CHECK (shard >= 0 AND shard < 16),
    topic              text        NOT NULL,
    key                bytea,
    headers            jsonb       NOT NULL DEFAULT '[]',
    payload            bytea       NOT NULL,
    kafka_partition    integer,
    kafka_timestamp_ms bigint,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The one index: the relay reads each shard in id order and deletes by (shard, id).
    PRIMARY KEY (shard, id)
);
COMMENT ON TABLE courier_outbox IS
    'courier transactional outbox: rows are published to Kafka by OutboxRelay in per-key commit order, '
    'then deleted. shard = hash(topic, key) mod 16; writers of one key serialise on an advisory lock.';
-- A queue table: rows die as fast as they are born. Vacuum early so the primary key does not
-- accumulate long runs of dead entries in front of the live rows.
ALTER TABLE courier_outbox SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.02
);
-- NOTIFY makes committing transactions of the whole database take turns (PostgreSQL holds a
-- global lock from the NOTIFY's pre-commit until the commit ends), so very busy writers may turn
-- it off with SET courier.outbox_notify = 'off' and leave waking the relay to its poll.
CREATE FUNCTION courier_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF coalesce(current_setting('courier.outbox_notify', true), '') <> 'off' THEN
        PERFORM pg_notify('courier_outbox', '');
    END IF;
    RETURN NULL;
END
$fn$;
-- Per statement, not per row; PostgreSQL collapses identical notifications of one transaction and
-- delivers them only at COMMIT.
CREATE TRIGGER courier_outbox_notify AFTER INSERT ON courier_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION courier_outbox_notify();
)sql"}};
}

void install(pg::Connection& connection) { pg::MigrationRunner(connection).apply(kComponent, migrations()); }

}  // namespace courier::outbox
