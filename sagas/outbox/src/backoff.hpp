#pragma once
// Exponential, capped, jittered backoff for shards whose publish failed and for the database.

#include <chrono>
#include <random>

namespace courier::outbox::detail {

class Backoff {
public:
    /// `initial` after the first failure, doubled per further failure, capped at `max`; then
    /// ± `jitter` (a fraction), never above `max`, so relays that failed together retry apart.
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter = 0.2) noexcept
        : initial_(initial), max_(max), jitter_(jitter) {}

    /// The wait after `failures` consecutive failures (failures >= 1; 0 is treated as 1).
    std::chrono::milliseconds delay(int failures, std::mt19937_64& random) const;

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    double jitter_;
};

}  // namespace courier::outbox::detail
