#include "courier/consumers/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace courier::consumers {

std::chrono::milliseconds RetryPolicy::backoff(int attempt, std::mt19937_64& random) const {
    double base = static_cast<double>(initial_backoff.count()) * std::pow(multiplier, std::max(0, attempt - 1));
    base = std::min(base, static_cast<double>(max_backoff.count()));
    std::uniform_real_distribution<double> spread(1.0 - jitter, 1.0 + jitter);
    return std::chrono::milliseconds(static_cast<int64_t>(std::max(1.0, base * spread(random))));
}

bool RetryPolicy::should_retry(const Error& error, int attempt) const {
    switch (error.kind) {
        case ErrorKind::transient:
            return true;
        case ErrorKind::permanent:
            return attempt < max_permanent_attempts;
        case ErrorKind::poison:
            return false;
    }
    return false;
}

}  // namespace courier::consumers
