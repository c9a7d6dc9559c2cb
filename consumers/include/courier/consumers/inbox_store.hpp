#pragma once
// The idempotent-consumer inbox: (consumer_group, ce_id) rows written in the handler's own
// transaction, so a message's effects and its "seen" mark commit together or not at all.

#include <chrono>
#include <string>
#include <vector>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/migration.hpp"
#include "courier/pg/transaction.hpp"

namespace courier::consumers {

/// Table `courier_inbox(consumer_group, message_id, topic, partition, "offset", received_at)`,
/// primary key (consumer_group, message_id). Stateless apart from the group name: thread-safe.
class InboxStore {
public:
    explicit InboxStore(std::string group) : group_(std::move(group)) {}

    /// The component's migrations (apply with pg::MigrationRunner under "courier.inbox").
    static std::vector<pg::Migration> migrations();

    /// Records `message_id` as seen in `transaction`. True when it is new; false when this group
    /// already has it (a duplicate: skip it). A concurrent transaction claiming the same id
    /// blocks this one until it ends, so exactly one of them sees `true` and commits.
    Result<bool> claim(pg::Transaction& transaction, const Message& message, const std::string& message_id) const;

    /// True when this group has applied `message_id` (outside any handler, e.g. for tools).
    Result<bool> seen(pg::Connection& connection, const std::string& message_id) const;

    /// Deletes this group's rows older than `cutoff` in statements of at most `batch_size` rows,
    /// each its own short transaction, up to `max_batches`; never one huge DELETE. Only one
    /// cleaner per group runs at a time (pg_try_advisory_lock): the others return 0 at once.
    /// Returns the number of rows deleted. Keep the window longer than any redelivery can be
    /// late (consumer lag, replays), or duplicates older than it would be applied again.
    Result<std::size_t> expire(pg::Connection& connection, std::chrono::system_clock::time_point cutoff,
                               std::size_t batch_size = 5000, std::size_t max_batches = 1000) const;

    const std::string& group() const noexcept { return group_; }

private:
    std::string group_;
};

}  // namespace courier::consumers
