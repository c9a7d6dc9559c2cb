#include "courier/saga/timeout_sweeper.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <optional>

#include "courier/core/errors.hpp"

namespace courier::saga {

TimeoutSweeper::TimeoutSweeper(TimeoutSweeperOptions options, const SagaCoordinator& coordinator)
    : options_(std::move(options)), coordinator_(&coordinator) {
    if (options_.dsn.empty())
        throw ConfigError("timeout sweeper: dsn is empty", "pass the coordinator's database");
    if (options_.batch == 0) throw ConfigError("timeout sweeper: batch is 0");
}

void TimeoutSweeper::run(std::stop_token stop) {
    std::mutex wait_mutex;
    std::condition_variable_any wake;
    const auto pause = [&](std::chrono::milliseconds how_long) {
        std::unique_lock lock(wait_mutex);
        wake.wait_for(lock, stop, how_long, [] { return false; });
    };
    std::optional<pg::Connection> connection;
    while (!stop.stop_requested()) {
        if (!connection) {
            try {
                connection.emplace(pg::Connection::open(options_.dsn));
            } catch (const std::exception& e) {
                spdlog::warn("timeout sweeper: cannot connect: {}", e.what());
                pause(options_.error_backoff);
                continue;
            }
        }
        auto handled = coordinator_->sweep_timeouts(*connection, options_.batch);
        if (!handled) {
            spdlog::warn("timeout sweeper: {}", handled.error().describe());
            if (!connection->is_open()) connection.reset();
            pause(options_.error_backoff);
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            swept_ += *handled;
        }
        if (*handled < options_.batch) pause(options_.interval);
    }
}

uint64_t TimeoutSweeper::swept() const {
    std::lock_guard lock(mutex_);
    return swept_;
}

}  // namespace courier::saga
