#include "shard_leases.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace courier::outbox::detail {

namespace {

std::string describe(const std::vector<int>& shards) {
    std::string text = "[";
    for (std::size_t i = 0; i < shards.size(); ++i) {
        if (i > 0) text += ',';
        text += std::to_string(shards[i]);
    }
    return text + "]";
}

}  // namespace

int ShardLeases::count() const noexcept {
    return static_cast<int>(std::count(held_.begin(), held_.end(), true));
}

std::vector<int> ShardLeases::held() const {
    std::vector<int> shards;
    for (int s = 0; s < kShards; ++s) {
        if (held_[static_cast<std::size_t>(s)]) shards.push_back(s);
    }
    return shards;
}

Result<bool> ShardLeases::try_lock(pg::Connection& connection, int32_t lock_class, int key) {
    auto rows =
        connection.try_exec("SELECT pg_try_advisory_lock($1::integer, $2::integer)", {lock_class, key});
    if (!rows) return std::move(rows).error();
    return rows->get<bool>(0, 0);
}

Result<void> ShardLeases::unlock(pg::Connection& connection, int32_t lock_class, int key) {
    auto rows = connection.try_exec("SELECT pg_advisory_unlock($1::integer, $2::integer)", {lock_class, key});
    if (!rows) return std::move(rows).error();
    return {};
}

Result<void> ShardLeases::rebalance(pg::Connection& connection, const std::function<bool(int)>& busy) {
    const std::vector<int> before = held();
    if (!member_slot_) {
        for (int slot = 0; slot < kMemberSlots; ++slot) {
            auto locked = try_lock(connection, kMemberLockClass, slot);
            if (!locked) return std::move(locked).error();
            if (*locked) {
                member_slot_ = slot;
                break;
            }
        }
        if (!member_slot_) {
            spdlog::warn("outbox relay {}: all {} member slots are taken; counting itself as one more relay",
                         name_, kMemberSlots);
        }
    }
    // Advisory locks of the two-int form show as classid = first key, objid = second, objsubid 2.
    auto rows = connection.try_exec(
        "SELECT classid::bigint, objid::bigint FROM pg_locks "
        "WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid IN ($1::bigint::oid, $2::bigint::oid)",
        {kMemberLockClass, kShardLockClass});
    if (!rows) return std::move(rows).error();
    int members = member_slot_ ? 0 : 1;
    std::set<int> taken;  // shard locks held by anyone, this relay included
    for (const auto& row : *rows) {
        if (row.get<int64_t>(0) == kMemberLockClass) {
            ++members;
        } else {
            taken.insert(static_cast<int>(row.get<int64_t>(1)));
        }
    }
    members = std::max(members, 1);
    target_ = (kShards + members - 1) / members;

    // Release extras, last ones first, skipping shards with a batch in flight.
    for (int s = kShards - 1; s >= 0 && count() > target_; --s) {
        if (!holds(s) || busy(s)) continue;
        if (auto done = unlock(connection, kShardLockClass, s); !done) return done;
        held_[static_cast<std::size_t>(s)] = false;
    }
    // Take free shards, starting at a place that depends on the member slot so relays starting
    // together try different shards first.
    const int start = member_slot_ ? (*member_slot_ * target_) % kShards : 0;
    for (int i = 0; i < kShards && count() < target_; ++i) {
        const int s = (start + i) % kShards;
        if (holds(s) || taken.count(s) > 0 || busy(s)) continue;
        auto locked = try_lock(connection, kShardLockClass, s);
        if (!locked) return std::move(locked).error();
        if (*locked) held_[static_cast<std::size_t>(s)] = true;
    }
    const std::vector<int> after = held();
    if (after != before) {
        spdlog::info("outbox relay {}: works shards {} ({} relay(s) running, target {} each)", name_,
                     describe(after), members, target_);
    }
    return {};
}

void ShardLeases::forget() noexcept {
    held_.fill(false);
    member_slot_.reset();
}

void ShardLeases::release_all(pg::Connection& connection) noexcept {
    for (int s = 0; s < kShards; ++s) {
        if (holds(s)) (void)unlock(connection, kShardLockClass, s);
    }
    if (member_slot_) (void)unlock(connection, kMemberLockClass, *member_slot_);
    forget();
}

}  // namespace courier::outbox::detail
