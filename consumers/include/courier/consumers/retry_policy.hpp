#pragma once

#include <chrono>
#include <random>

#include "courier/core/result.hpp"

namespace courier::consumers {

/// When to try a failed message again.
struct RetryPolicy {
    std::chrono::milliseconds initial_backoff{100};
    std::chrono::milliseconds max_backoff{30000};
    double multiplier = 2.0;
    double jitter = 0.2;  ///< ± this fraction, so consumers that failed together retry apart
    /// Attempts for permanent errors before the message is dead-lettered (1 = no retry).
    /// Transient errors retry without limit: they are about the world, not the message.
    int max_permanent_attempts = 3;

    /// Backoff before attempt `attempt + 1`, after `attempt` failures (attempt ≥ 1).
    std::chrono::milliseconds backoff(int attempt, std::mt19937_64& random) const;
    /// Whether a message that failed `attempt` times with `error` should be tried again.
    bool should_retry(const Error& error, int attempt) const;
};

}  // namespace courier::consumers
