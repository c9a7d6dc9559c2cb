#pragma once
// Time as a dependency, so timeouts and backoff are tested without sleeping.

#include <chrono>
#include <mutex>

namespace courier {

/// A source of wall-clock time. Implementations are thread-safe.
class Clock {
public:
    using time_point = std::chrono::system_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
};

/// The real clock.
class SystemClock final : public Clock {
public:
    time_point now() const override { return std::chrono::system_clock::now(); }
    /// A process-wide instance for code that was given no clock.
    static const SystemClock& instance();
};

/// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
public:
    explicit ManualClock(time_point start = time_point{} + std::chrono::hours(24 * 365 * 56)) : now_(start) {}
    time_point now() const override {
        std::lock_guard lock(mutex_);
        return now_;
    }
    void advance(std::chrono::milliseconds by) {
        std::lock_guard lock(mutex_);
        now_ += by;
    }
    void set(time_point to) {
        std::lock_guard lock(mutex_);
        now_ = to;
    }

private:
    mutable std::mutex mutex_;
    time_point now_;
};

}  // namespace courier
