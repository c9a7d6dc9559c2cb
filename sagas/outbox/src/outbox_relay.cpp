#include "courier/outbox/outbox_relay.hpp"

#include <unistd.h>

#include "courier/core/errors.hpp"
#include "relay_loop.hpp"

namespace courier::outbox {

OutboxRelay::OutboxRelay(OutboxRelayOptions options, broker::Publisher& publisher)
    : options_(std::move(options)), publisher_(&publisher) {
    if (options_.dsn.empty()) {
        throw ConfigError("the outbox relay needs a PostgreSQL DSN (OutboxRelayOptions::dsn)",
                          "e.g. postgresql://user@host:5432/database");
    }
    if (options_.batch_size == 0 || options_.batch_size > 100000) {
        throw ConfigError("outbox relay batch_size must be between 1 and 100000, not " +
                          std::to_string(options_.batch_size));
    }
    if (options_.pipeline_depth == 0 || options_.pipeline_depth > static_cast<std::size_t>(kShards)) {
        throw ConfigError("outbox relay pipeline_depth must be between 1 and " + std::to_string(kShards) +
                          ", not " + std::to_string(options_.pipeline_depth));
    }
    if (options_.initial_backoff.count() <= 0 || options_.max_backoff < options_.initial_backoff) {
        throw ConfigError("outbox relay backoff must satisfy 0 < initial_backoff <= max_backoff");
    }
    if (options_.poll_interval.count() <= 0 || options_.rebalance_interval.count() <= 0 ||
        options_.linger.count() < 0 || options_.stop_timeout.count() < 0) {
        throw ConfigError("outbox relay intervals must be positive (linger and stop_timeout may be 0)");
    }
    if (options_.name.empty()) options_.name = "pid " + std::to_string(::getpid());
}

OutboxRelay::~OutboxRelay() = default;

void OutboxRelay::run(std::stop_token stop) {
    RelayLoop loop(*this, options_.name);
    loop.run(std::move(stop));
}

RelayStats OutboxRelay::stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
}

}  // namespace courier::outbox
