#pragma once
// Paces a loop to at most a given number of iterations per second (`--rate` of dlq redrive and
// replay).

#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

namespace courier::cli {

/// Not thread-safe: one loop owns it.
class RateLimit {
public:
    /// No limit when `per_second` is empty or not positive.
    explicit RateLimit(std::optional<double> per_second) : per_second_(per_second) {}

    /// Blocks until the next iteration is due. Iterations are spread evenly from the first call:
    /// a slow stretch is caught up with, never more than the rate on average.
    void wait() {
        if (!per_second_ || *per_second_ <= 0) return;
        if (count_ == 0) start_ = std::chrono::steady_clock::now();
        auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(count_) / *per_second_));
        ++count_;
        std::this_thread::sleep_until(due);
    }

private:
    std::optional<double> per_second_;
    std::chrono::steady_clock::time_point start_{};
    uint64_t count_ = 0;
};

}  // namespace courier::cli
