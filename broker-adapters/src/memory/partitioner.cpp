#include "courier/broker/memory/partitioner.hpp"

#include <cassert>

namespace courier::broker::memory {

namespace {
constexpr uint32_t kSeed = 0x9747b28cU;
constexpr uint32_t kMix = 0x5bd1e995U;
constexpr int kShift = 24;

uint32_t byte_at(std::string_view bytes, std::size_t i) { return static_cast<unsigned char>(bytes[i]); }
}  // namespace

uint32_t murmur2(std::string_view bytes) noexcept {
    // Unsigned arithmetic wraps exactly as Java's int does, and >> on uint32_t is Java's >>>.
    const auto length = bytes.size();
    uint32_t h = kSeed ^ static_cast<uint32_t>(length);
    const std::size_t blocks = length / 4;
    for (std::size_t i = 0; i < blocks; ++i) {
        const std::size_t at = i * 4;
        uint32_t k = byte_at(bytes, at) | (byte_at(bytes, at + 1) << 8) | (byte_at(bytes, at + 2) << 16) |
                     (byte_at(bytes, at + 3) << 24);
        k *= kMix;
        k ^= k >> kShift;
        k *= kMix;
        h *= kMix;
        h ^= k;
    }
    const std::size_t tail = blocks * 4;
    switch (length % 4) {
        case 3:
            h ^= byte_at(bytes, tail + 2) << 16;
            [[fallthrough]];
        case 2:
            h ^= byte_at(bytes, tail + 1) << 8;
            [[fallthrough]];
        case 1:
            h ^= byte_at(bytes, tail);
            h *= kMix;
            break;
        default:
            break;
    }
    h ^= h >> 13;
    h *= kMix;
    h ^= h >> 15;
    return h;
}

int32_t partition_for_key(std::string_view key, int32_t partitions) noexcept {
    assert(partitions > 0);
    return static_cast<int32_t>((murmur2(key) & 0x7fffffffU) % static_cast<uint32_t>(partitions));
}

}  // namespace courier::broker::memory
