#pragma once
// The state of one OutboxRelay::run(): its connection, shard locks, lanes and backoffs.

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "backoff.hpp"
#include "courier/outbox/key_routing.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "courier/pg/connection.hpp"
#include "relay_batch.hpp"
#include "shard_leases.hpp"
#include "wakeup.hpp"

namespace courier::outbox {

/// Lives for one run() on the relay thread; not thread-safe apart from what RelayBatch and
/// Wakeup share with delivery callbacks.
class RelayLoop {
public:
    RelayLoop(OutboxRelay& relay, std::string name);
    void run(std::stop_token stop);

private:
    using Clock = std::chrono::steady_clock;

    // Shards s with s % pipeline_depth == index; at most one batch in flight.
    struct Lane {
        std::shared_ptr<detail::RelayBatch> batch;
        bool dirty = true;  // something may be waiting: fetch once `linger` has passed
        Clock::time_point dirty_since{};
        Clock::time_point next_poll{};  // fetch by then even if not dirty (poll, backoff expiry)
        Clock::time_point started{};    // when the batch in flight was published
        Clock::time_point warned{};     // last "still waiting for acknowledgements" log
        std::size_t rotation = 0;       // which shard goes first, for fairness under a LIMIT
    };
    struct ShardState {
        int failures = 0;              // consecutive failed attempts
        Clock::time_point retry_at{};  // not fetched before this
    };

    bool open(const std::stop_token& stop);
    Result<void> prepare_session();
    void restore_session(Clock::time_point now);
    void on_database_error(const Error& error, std::string_view doing);
    void note_error(const Error& error);

    void step(Clock::time_point now);
    bool complete_lanes(Clock::time_point now, bool give_up);
    void finish(Lane& lane, Clock::time_point now, bool give_up);
    void flush_pending_deletes();
    void rebalance(Clock::time_point now);
    bool start_lanes(Clock::time_point now);
    bool start_lane(std::size_t index, Clock::time_point now);
    void drain_notifications(Clock::time_point now);
    void wait(Clock::time_point now);
    void shutdown();

    bool any_busy() const;
    bool all_idle() const { return !any_busy(); }
    std::vector<int> eligible_shards(std::size_t lane, Clock::time_point now) const;
    std::chrono::milliseconds backoff(int failures);

    OutboxRelay& relay_;
    const OutboxRelayOptions& options_;
    const std::string name_;
    const std::shared_ptr<detail::Wakeup> wakeup_;
    const detail::Backoff backoff_;
    std::mt19937_64 random_;

    std::optional<pg::Connection> connection_;
    bool session_ok_ = false;
    bool migrated_ = false;
    bool stopping_ = false;
    int session_pid_ = 0;
    int db_failures_ = 0;
    Clock::time_point db_retry_at_{};
    Clock::time_point paused_until_{};

    detail::ShardLeases leases_;
    Clock::time_point next_rebalance_{};
    std::vector<Lane> lanes_;
    std::array<ShardState, kShards> shards_{};
    // Acknowledged rows whose DELETE has not succeeded yet: (shard, id).
    std::vector<std::pair<int, int64_t>> pending_deletes_;
};

}  // namespace courier::outbox
