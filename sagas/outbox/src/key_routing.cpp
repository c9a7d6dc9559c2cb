#include "courier/outbox/key_routing.hpp"

namespace courier::outbox {

namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t fnv1a(uint64_t hash, std::string_view bytes) noexcept {
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= kFnvPrime;
    }
    return hash;
}

// FNV-1a's low bits mix poorly for short, similar keys ("order-1", "order-2"); the splitmix64
// finaliser spreads them so `mod kShards` balances.
uint64_t mix(uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

KeyRoute route(std::string_view topic, const std::optional<std::string>& key) noexcept {
    uint64_t hash = fnv1a(kFnvOffset, topic);
    // The tag byte separates topic from key and "no key" from "empty key".
    hash = fnv1a(hash, key ? std::string_view("\0k", 2) : std::string_view("\0n", 2));
    if (key) hash = fnv1a(hash, *key);
    hash = mix(hash);
    KeyRoute route;
    route.shard = static_cast<int>(hash % static_cast<uint64_t>(kShards));
    if (key) route.lock = static_cast<int32_t>(static_cast<uint32_t>(hash ^ (hash >> 32)));
    return route;
}

}  // namespace courier::outbox
