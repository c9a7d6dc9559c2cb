#pragma once
// The publishing half of the transactional outbox (DESIGN.md §5): reads committed rows of
// courier_outbox, publishes them through a broker::Publisher, deletes them once acknowledged.
//
// How per-key order holds with several relays (the writer's half is in outbox.hpp):
//  - Shards. Every row of a (topic, key) has the same shard (0..kShards-1). A relay works a shard
//    only while it holds the session advisory lock (kShardLockClass, shard), taken with
//    pg_try_advisory_lock, so at most one relay publishes a shard at any moment. If a relay dies,
//    PostgreSQL ends its session and releases its locks; another relay takes the shards over at
//    its next rebalance.
//  - Sharing. Each running relay also holds one "member" lock (kMemberLockClass, slot); the number
//    of member locks in pg_locks is the number of relays. Every rebalance_interval a relay
//    targets ceil(kShards / relays) shards: it releases extras (only shards with nothing in
//    flight) and try-locks free ones. Two relays thus split the shards 8/8 within a couple of
//    intervals; a lone relay takes all of them.
//  - Within a shard. The relay fetches the shard's first rows in id order (the whole visible
//    prefix, up to batch_size), publishes them in that order (the publisher keeps per-key order),
//    waits for every acknowledgement, then deletes the acknowledged rows up to the first one that
//    failed. The failed row and every later row of its shard stay and are retried, in order,
//    after an exponential, capped backoff; other shards carry on. A shard never has two batches
//    in flight, so a retry can never overtake.
//    A publish refused on the spot holds back the rest of its shard's batch at once.
//  - Pipelining. The relay's shards are split into pipeline_depth lanes (shard mod depth); each
//    lane has at most one batch in flight, so while one lane waits for the broker another is
//    fetching or deleting. Every statement touches at most batch_size rows: a large backlog is
//    drained (and deleted) in bounded steps, each an index scan of the primary key.
//  - Waking. The relay LISTENs on kChannel (the insert trigger NOTIFYs at commit) and also polls
//    every poll_interval, in one poll() with its delivery reports and the stop request.
//  - Crashes. Rows are deleted only after their acknowledgement, so a crash (or a lost database
//    session) between publish and delete republishes them: a duplicate, never a loss. Consumers
//    drop duplicates by ce_id (Outbox stamps one when missing). Whoever republishes, it
//    republishes the shard's remaining prefix in order, so the first copy of each message still
//    arrives in per-key order.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include "courier/broker/publisher.hpp"
#include "courier/outbox/key_routing.hpp"

namespace courier::outbox {

struct OutboxRelayOptions {
    /// The relay's own PostgreSQL connection (LISTEN, fetch, delete, shard locks). Required.
    std::string dsn;
    /// Rows per fetch, and so per DELETE: the bound on a batch's work and memory.
    std::size_t batch_size = 1000;
    /// Batches in flight at once, each over its own group of shards (1 = strictly one at a time).
    std::size_t pipeline_depth = 4;
    /// After a notification, wait this long for more commits before fetching (bigger batches at
    /// a small latency cost). 0 fetches at once.
    std::chrono::milliseconds linger{0};
    /// Fetch at least this often even without notifications (a fallback for missed ones and for
    /// writers that SET courier.outbox_notify = 'off').
    std::chrono::milliseconds poll_interval{500};
    /// How often shards are re-shared between running relays.
    std::chrono::milliseconds rebalance_interval{1000};
    /// Backoff of a shard whose publish failed, and of the database connection: initial, doubled
    /// per consecutive failure (±20% jitter), capped.
    std::chrono::milliseconds initial_backoff{100};
    std::chrono::milliseconds max_backoff{30000};
    /// On stop: how long to wait for acknowledgements of batches in flight. Rows acknowledged in
    /// time are deleted; the rest stay for the next run (duplicates if they land later).
    std::chrono::milliseconds stop_timeout{10000};
    /// Apply the outbox migrations when run() starts (idempotent).
    bool apply_migrations = true;
    /// When false (the default) the relay's session runs with synchronous_commit=off, so a DELETE
    /// of published rows does not wait for its WAL flush. A database crash may then forget the
    /// last deletes (up to about three wal_writer_delay, 600 ms by default): those rows are
    /// published again — duplicates, never a loss. true keeps the server's setting.
    bool durable_deletes = false;
    /// When not empty, every published message carries its outbox row id in this header
    /// (decimal), e.g. for tracing a message back to its row or checking order in tests.
    std::string id_header;
    /// Name for logs and pg_stat_activity.application_name ("courier-outbox-relay <name>").
    /// Default: "pid <process id>".
    std::string name;
    /// Fault injection and tracing: called on the relay thread after a batch's acknowledgements
    /// arrived and before its rows are deleted, with the number acknowledged.
    std::function<void(std::size_t acknowledged)> after_acknowledged;
};

/// Counters since construction. A snapshot; readable from any thread.
struct RelayStats {
    uint64_t published = 0;  ///< messages the broker acknowledged
    uint64_t failed = 0;     ///< messages whose publish failed (they stay and are retried)
    uint64_t batches = 0;    ///< batches completed (published and acknowledged or failed)
    uint64_t retries = 0;    ///< backoffs scheduled after a failed publish or a database error
    uint64_t deleted = 0;    ///< rows deleted after acknowledgement
    /// Messages acknowledged although an earlier message of their (topic, key) in the same batch
    /// failed: the broker holds them ahead of it, and the retry lands behind them. Kafka's
    /// idempotent producer does this only when messages time out (message.timeout.ms) in its
    /// queue while later ones get through; each case is logged as an error. Should stay 0.
    uint64_t reordered = 0;
    uint64_t reconnects = 0;  ///< database sessions re-established
    int shards_held = 0;      ///< shards this relay works right now
    std::string last_error;   ///< "code: message" of the latest failure, "" if none
    std::chrono::system_clock::time_point last_error_at{};
};

/// Publishes the outbox. Thread-safety: run() on one thread at a time; stats() from any thread.
/// Run as many relay processes (or threads, each with its own OutboxRelay) as you like for
/// availability; per-key order holds (see above). Takes the Publisher by reference: it must
/// outlive run(). Use the idempotent KafkaPublisher in production, with linger.ms of a few ms and
/// a message.timeout.ms longer than the broker outages you expect (librdkafka's default, 300 s,
/// or 0 for none): within it, an outage only delays acknowledgements and the backlog drains in
/// order afterwards. A message that times out fails, and librdkafka may still deliver later
/// messages of its partition (its INTRODUCTION.md, "Message timeout considerations"): the relay
/// republishes the failed one behind them and counts it in RelayStats::reordered.
class OutboxRelay {
public:
    /// Checks the options; throws ConfigError (empty dsn, batch_size or pipeline_depth 0, a
    /// backoff of 0 or initial above max). Does not connect.
    OutboxRelay(OutboxRelayOptions options, broker::Publisher& publisher);
    OutboxRelay(const OutboxRelay&) = delete;
    OutboxRelay& operator=(const OutboxRelay&) = delete;
    ~OutboxRelay();

    /// Relays until `stop` is requested; blocks the calling thread. Connects (retrying with
    /// backoff while the server is unreachable), applies the migrations, LISTENs, and loops:
    /// shares shards with other relays, fetches, publishes, deletes. A lost connection is
    /// re-established and the work resumes (the shards are re-acquired); a broker outage makes
    /// shards back off while rows accumulate. On stop it publishes nothing new, waits up to
    /// stop_timeout for the batches in flight, deletes what was acknowledged, releases its locks
    /// and returns. Throws pg::DatabaseError only for permanent start-up failures (malformed
    /// DSN, a failing migration); everything later is logged, counted and retried.
    void run(std::stop_token stop);

    RelayStats stats() const;

    /// The statements the relay runs, for EXPLAIN by tests and operators. fetch: $1 smallint[]
    /// of shards, $2 the batch size. delete: $1 smallint[] of shards, $2 bigint[] of ids
    /// (pairwise).
    static std::string_view fetch_sql() noexcept;
    static std::string_view delete_sql() noexcept;

private:
    friend class RelayLoop;
    template <typename Update>
    void update_stats(Update update) {
        std::lock_guard lock(stats_mutex_);
        update(stats_);
    }

    OutboxRelayOptions options_;
    broker::Publisher* publisher_;
    mutable std::mutex stats_mutex_;
    RelayStats stats_;
};

}  // namespace courier::outbox
