#include "backoff.hpp"

#include <algorithm>
#include <cmath>

namespace courier::outbox::detail {

std::chrono::milliseconds Backoff::delay(int failures, std::mt19937_64& random) const {
    const int exponent = std::clamp(failures - 1, 0, 40);  // 2^40 ms is far beyond any cap
    const double base = std::min(static_cast<double>(max_.count()),
                                 static_cast<double>(initial_.count()) * std::ldexp(1.0, exponent));
    std::uniform_real_distribution<double> spread(1.0 - jitter_, 1.0 + jitter_);
    const double jittered = std::min(static_cast<double>(max_.count()), base * spread(random));
    return std::chrono::milliseconds(std::max<int64_t>(1, std::llround(jittered)));
}

}  // namespace courier::outbox::detail
