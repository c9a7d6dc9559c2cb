#pragma once
// Kafka's key partitioning, so a key lands on the same partition number in memory as in Kafka.

#include <cstdint>
#include <string_view>

namespace courier::broker::memory {

/// Kafka's murmur2 (the Java client's Utils.murmur2, librdkafka's rd_murmur2): seed 0x9747b28c,
/// little-endian 4-byte blocks. Returns the 32-bit hash as unsigned; Java's int is the same bits.
/// Pure and thread-safe.
uint32_t murmur2(std::string_view bytes) noexcept;

/// The partition of a keyed message, as the Java client's default partitioner and librdkafka's
/// `murmur2_random` / `murmur2` partitioners compute it: (murmur2(key) & 0x7fffffff) % partitions.
/// Requires partitions > 0.
int32_t partition_for_key(std::string_view key, int32_t partitions) noexcept;

}  // namespace courier::broker::memory
