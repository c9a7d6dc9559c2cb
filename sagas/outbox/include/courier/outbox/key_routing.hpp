#pragma once
// Where an outbox row of a (topic, key) goes: its shard and the advisory lock its writers take.
// Both are pure functions of (topic, key), stable across processes, builds and languages, so
// every writer and every relay agrees on them without asking the database.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace courier::outbox {

/// Number of shards of the outbox table. Fixed: it is part of the table's layout (a CHECK
/// constraint) and of where existing rows live; changing it needs a migration that runs while no
/// writer or relay does. It is also the most relays that can work at once (the rest stand by).
inline constexpr int kShards = 16;

/// Advisory-lock key classes (the first key of the two-int form of pg_advisory_lock, whose key
/// space does not overlap the one-bigint form other components use). Per database.
inline constexpr int32_t kKeyLockClass = 0x434F4B59;     ///< "COKY": writers of one (topic, key)
inline constexpr int32_t kShardLockClass = 0x434F5348;   ///< "COSH": the relay that owns a shard
inline constexpr int32_t kMemberLockClass = 0x434F4D42;  ///< "COMB": one per running relay

/// The shard and writer lock of one (topic, key).
struct KeyRoute {
    int shard = 0;  ///< in [0, kShards)
    /// Second key of pg_advisory_xact_lock(kKeyLockClass, lock) taken by enqueue; none for a
    /// message without a key (such messages carry no order promise, so writers never wait).
    std::optional<int32_t> lock;
    bool operator==(const KeyRoute&) const = default;
};

/// Routes (topic, key): a 64-bit FNV-1a hash of topic, a 0x00 byte and the key, finished with
/// the splitmix64 mixer; shard = hash mod kShards, lock = the hash folded to 32 bits. A message
/// without a key routes by its topic alone (with a different tag byte, so it does not share a
/// shard choice with the empty key). Thread-safe, never blocks, never throws.
KeyRoute route(std::string_view topic, const std::optional<std::string>& key) noexcept;

}  // namespace courier::outbox
