#include "courier/consumers/inbox_store.hpp"

#include "courier/core/cloud_events.hpp"

namespace courier::consumers {

std::vector<pg::Migration> InboxStore::migrations() {
    return {{1, "create_inbox", R"sql(
CREATE TABLE IF NOT EXISTS courier_inbox (
    consumer_group text        NOT NULL,
    message_id     text        NOT NULL,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    "offset"       bigint      NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, message_id)
);
-- The cleaner walks rows by age within a group.
CREATE INDEX IF NOT EXISTS courier_inbox_group_received ON courier_inbox (consumer_group, received_at);
)sql"}};
}

Result<bool> InboxStore::claim(pg::Transaction& transaction, const Message& message,
                               const std::string& message_id) const {
    int32_t partition = message.metadata ? message.metadata->partition : -1;
    int64_t offset = message.metadata ? message.metadata->offset : -1;
    auto rows = transaction.try_exec(
        "INSERT INTO courier_inbox (consumer_group, message_id, topic, partition, \"offset\") "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer_group, message_id) DO NOTHING",
        {group_, message_id, message.topic, partition, offset});
    if (!rows) return std::move(rows).error();
    return rows->affected_rows() == 1;
}

Result<bool> InboxStore::seen(pg::Connection& connection, const std::string& message_id) const {
    auto rows = connection.try_exec("SELECT 1 FROM courier_inbox WHERE consumer_group = $1 AND message_id = $2",
                                    {group_, message_id});
    if (!rows) return std::move(rows).error();
    return !rows->empty();
}

Result<std::size_t> InboxStore::expire(pg::Connection& connection, std::chrono::system_clock::time_point cutoff,
                                       std::size_t batch_size, std::size_t max_batches) const {
    // Session-level advisory lock keyed by the group: one cleaner at a time, others skip.
    auto locked = connection.try_exec("SELECT pg_try_advisory_lock(hashtextextended('courier.inbox.' || $1, 0))",
                                      {group_});
    if (!locked) return std::move(locked).error();
    if (!locked->get<bool>(0, 0)) return std::size_t{0};
    std::size_t deleted = 0;
    Result<void> outcome;
    auto cutoff_text = ce::format_time(cutoff);
    for (std::size_t i = 0; i < max_batches; ++i) {
        auto rows = connection.try_exec(
            "DELETE FROM courier_inbox WHERE consumer_group = $1 AND message_id IN ("
            " SELECT message_id FROM courier_inbox WHERE consumer_group = $1 AND received_at < $2::timestamptz"
            " ORDER BY received_at LIMIT $3)",
            {group_, cutoff_text, static_cast<int64_t>(batch_size)});
        if (!rows) {
            outcome = std::move(rows).error();
            break;
        }
        deleted += static_cast<std::size_t>(rows->affected_rows());
        if (static_cast<std::size_t>(rows->affected_rows()) < batch_size) break;
    }
    (void)connection.try_exec("SELECT pg_advisory_unlock(hashtextextended('courier.inbox.' || $1, 0))", {group_});
    if (!outcome) return std::move(outcome).error();
    return deleted;
}

}  // namespace courier::consumers
