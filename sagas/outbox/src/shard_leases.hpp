#pragma once
// Which shards this relay works: session advisory locks, shared fairly with the other relays.

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "courier/outbox/key_routing.hpp"
#include "courier/pg/connection.hpp"

namespace courier::outbox::detail {

/// The relay's shard locks on its connection. Not thread-safe (the relay thread owns it).
///
/// Membership: one lock (kMemberLockClass, slot) per relay, slot in [0, kMemberSlots); the count
/// of those locks in pg_locks is the number of relays. Target: ceil(kShards / relays) shards.
/// rebalance() releases extras (never a busy one) and try-locks free shards (never a busy one:
/// after a lost session, a batch of the old session may still be in flight for it).
class ShardLeases {
public:
    static constexpr int kMemberSlots = 64;

    explicit ShardLeases(std::string name) : name_(std::move(name)) {}

    /// One sharing step. Blocks for a few short statements. Errors: the database's.
    Result<void> rebalance(pg::Connection& connection, const std::function<bool(int)>& busy);
    /// True while holding more shards than the target because busy ones could not be released.
    bool wants_release() const noexcept { return count() > target_; }

    bool holds(int shard) const noexcept { return held_[static_cast<std::size_t>(shard)]; }
    int count() const noexcept;
    std::vector<int> held() const;

    /// The session ended: PostgreSQL has released every lock of it.
    void forget() noexcept;
    /// Unlocks every lock of this relay (best effort; closing the session does it anyway).
    void release_all(pg::Connection& connection) noexcept;

private:
    Result<bool> try_lock(pg::Connection& connection, int32_t lock_class, int key);
    Result<void> unlock(pg::Connection& connection, int32_t lock_class, int key);

    std::string name_;
    std::optional<int> member_slot_;
    std::array<bool, kShards> held_{};
    int target_ = kShards;
};

}  // namespace courier::outbox::detail
