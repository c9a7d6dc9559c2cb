#pragma once
// The coordinator's timeout loop: no external scheduler, deadlines live in PostgreSQL.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>

#include "courier/saga/saga_coordinator.hpp"

namespace courier::saga {

struct TimeoutSweeperOptions {
    std::string dsn;  ///< the sweeper's own connection. Required.
    std::chrono::milliseconds interval{500};
    std::size_t batch = 100;
    /// Wait after a database error before reconnecting.
    std::chrono::milliseconds error_backoff{1000};
};

/// Calls SagaCoordinator::sweep_timeouts every `interval` (at once again while batches come back
/// full). Run one per coordinator process; several share the work through FOR UPDATE SKIP
/// LOCKED. Database errors are logged and retried after error_backoff (the connection is
/// reopened). run() on one thread; swept() from any.
class TimeoutSweeper {
public:
    /// Throws ConfigError for an empty dsn or a zero batch. The coordinator must outlive run().
    TimeoutSweeper(TimeoutSweeperOptions options, const SagaCoordinator& coordinator);

    /// Sweeps until `stop` is requested. Blocks.
    void run(std::stop_token stop);

    /// Timeouts handled since construction.
    uint64_t swept() const;

private:
    TimeoutSweeperOptions options_;
    const SagaCoordinator* coordinator_;
    mutable std::mutex mutex_;
    uint64_t swept_ = 0;
};

}  // namespace courier::saga
