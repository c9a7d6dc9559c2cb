#pragma once
// The writing half of the transactional outbox (DESIGN.md §5): messages are inserted into
// courier_outbox inside the caller's PostgreSQL transaction, next to the state change they
// announce, so both commit or neither does. OutboxRelay publishes them afterwards.
//
// Ordering design (why the relay can publish in per-key commit order):
//  1. enqueue takes pg_advisory_xact_lock(kKeyLockClass, route(topic, key).lock) before the
//     INSERT draws its id from the sequence. Writers of one key therefore serialise: the second
//     waits until the first has committed or rolled back. For one key, id order is commit order,
//     and a row that is visible implies that every earlier row of its key is visible too (its
//     writer had committed before this row's writer could even insert).
//  2. Each row carries shard = route(topic, key).shard, so all rows of a key share a shard.
//  3. A relay publishes a shard only while it holds a session advisory lock on it, and then in
//     id order, publishing the whole visible prefix of the shard. Rows of other keys with
//     smaller ids that commit later are simply published later: different keys promise nothing
//     to each other. No "last id" watermark is kept, so no late-committing row is ever skipped.
// See outbox_relay.hpp for the relay's half.

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/transaction.hpp"

namespace courier::outbox {

/// Checks a message before it is written; an error stops the enqueue and is returned as is (the
/// schemas component plugs its validation in here). Called on the enqueuing thread; must be
/// thread-safe when one Outbox is shared by threads.
using Validator = std::function<Result<void>(const Message&)>;

struct OutboxOptions {
    /// Runs first for every message; none when empty.
    Validator validate;
    /// A message without a ce_id header gets one (a new UUID) in the stored copy, so consumers
    /// can drop the duplicate a relay crash between publish and delete may produce.
    bool stamp_missing_id = true;
    /// Adds headers to the stored copy of every message, e.g. the active trace context
    /// (tracing::inject_current_context), so the row carries what the writer knew. None when empty.
    std::function<void(Headers&)> decorate_headers = {};
};

/// What is waiting in the outbox, cheaply measured (see Outbox::backlog).
struct Backlog {
    /// Rows not yet published and deleted. Exact up to kExactCountLimit; above it an estimate
    /// (pg_class.reltuples scaled to the table's current size, never below the limit).
    int64_t rows = 0;
    bool exact = true;
    /// Age of the oldest row at the head of a shard (the rows the relay publishes next); 0 when
    /// the outbox is empty. Read through the primary key: one index probe per shard.
    std::chrono::milliseconds oldest_age{0};
};

/// Enqueues messages into the outbox table in the caller's transaction. Stateless apart from
/// its options: thread-safe if the validator is. Apply the migrations (outbox_schema.hpp) first.
class Outbox {
public:
    /// Above this many rows backlog() estimates instead of counting.
    static constexpr int64_t kExactCountLimit = 10000;

    explicit Outbox(OutboxOptions options = {}) : options_(std::move(options)) {}

    /// Validates `message`, takes its key's writer lock (held until the transaction ends) and
    /// inserts it, in one round trip. Nothing is published unless the transaction commits; it
    /// is published after the rows its key had before it. Blocks while another open transaction
    /// holds the same key's lock — keep outbox transactions short.
    /// Errors: the validator's; permanent "outbox.invalid" for an empty topic or an inactive
    /// transaction; the database's (after which the transaction is failed: roll it back). Taking
    /// locks of several keys in different orders in concurrent transactions can deadlock;
    /// PostgreSQL then aborts one with 40P01 (transient): retry that transaction.
    Result<void> enqueue(pg::Transaction& transaction, const Message& message) const;

    /// The same for several messages, published in vector order per key: validates all first
    /// (nothing is written if one fails), takes the keys' locks in a fixed order (so two batch
    /// enqueues cannot deadlock each other), then inserts with multi-row INSERTs of up to 1000
    /// rows. An empty vector does nothing.
    Result<void> enqueue(pg::Transaction& transaction, const std::vector<Message>& messages) const;

    /// Rows waiting and the age of the oldest (see Backlog). A handful of index probes and at
    /// most kExactCountLimit rows read, whatever the backlog. Errors: the database's.
    static Result<Backlog> backlog(pg::Connection& connection);

private:
    Result<void> insert(pg::Transaction& transaction, const Message* messages, std::size_t count,
                        bool take_locks) const;

    OutboxOptions options_;
};

}  // namespace courier::outbox
