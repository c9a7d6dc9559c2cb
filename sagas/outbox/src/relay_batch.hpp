#pragma once
// One fetched batch in flight: which rows were published and what the broker answered.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "courier/broker/publisher.hpp"
#include "wakeup.hpp"

namespace courier::outbox::detail {

/// The relay thread creates a batch, publishes its rows with callback_for(i), then seal()s it.
/// Delivery callbacks may complete it on any thread, also after the relay gave up on it (at a
/// stop timeout): they hold a shared_ptr, so the batch outlives them. Thread-safe.
class RelayBatch : public std::enable_shared_from_this<RelayBatch> {
public:
    struct Row {
        int64_t id = 0;
        int shard = 0;
        std::string topic;  // for logs
        std::optional<std::string> key;
    };
    enum class Outcome : uint8_t { pending, acknowledged, failed, not_sent };
    struct State {
        std::vector<Outcome> outcomes;
        std::vector<std::optional<Error>> errors;
    };

    /// `rows` in publish order (by shard, then id). `wakeup` is signalled once, when the batch
    /// becomes done().
    RelayBatch(std::size_t lane, std::vector<Row> rows, std::shared_ptr<Wakeup> wakeup);

    /// Marks a row that will not be published (unreadable, or behind one that is); before seal().
    void mark_not_sent(std::size_t index, Error why);
    /// The DeliveryCallback for row `index`.
    broker::DeliveryCallback callback_for(std::size_t index);
    /// No more publish() calls will come.
    void seal();
    /// Sealed and every published row answered.
    bool done() const;
    State state() const;
    /// One row's outcome now (e.g. to see whether publish() refused it on the spot).
    Outcome outcome(std::size_t index) const;

    std::size_t lane() const noexcept { return lane_; }
    const std::vector<Row>& rows() const noexcept { return rows_; }

private:
    void complete(std::size_t index, Result<broker::DeliveryReport> outcome);
    void signal_if_done_locked();

    const std::size_t lane_;
    const std::vector<Row> rows_;
    const std::shared_ptr<Wakeup> wakeup_;
    mutable std::mutex mutex_;
    State state_;
    std::size_t pending_;  // rows published (or to be) and not yet answered
    bool sealed_ = false;
    bool signalled_ = false;
};

}  // namespace courier::outbox::detail
