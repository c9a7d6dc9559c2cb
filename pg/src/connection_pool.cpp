#include "courier/pg/connection_pool.hpp"

#include "courier/pg/dsn.hpp"
#include "courier/pg/errors.hpp"

namespace courier::pg {

PooledConnection::~PooledConnection() {
    if (connection_) pool_->give_back(std::move(connection_));
}

ConnectionPool::ConnectionPool(std::string dsn, std::size_t max_size)
    : dsn_(std::move(dsn)), max_size_(std::max<std::size_t>(1, max_size)) {}

ConnectionPool::~ConnectionPool() = default;

Result<PooledConnection> ConnectionPool::try_acquire(std::chrono::milliseconds wait) {
    std::unique_ptr<Connection> connection;
    {
        std::unique_lock lock(mutex_);
        if (!returned_.wait_for(lock, wait, [this] { return !idle_.empty() || open_ < max_size_; })) {
            return Error::transient("pg.pool_exhausted", "all " + std::to_string(max_size_) +
                                                             " connections to " + redact_dsn(dsn_) +
                                                             " stayed busy for " + std::to_string(wait.count()) + " ms");
        }
        if (!idle_.empty()) {
            connection = std::move(idle_.back());
            idle_.pop_back();
        } else {
            ++open_;  // reserve the slot; opened below without holding the lock
        }
    }
    if (!connection) {
        try {
            connection = std::make_unique<Connection>(Connection::open(dsn_));
        } catch (const DatabaseError& e) {
            std::lock_guard lock(mutex_);
            --open_;
            returned_.notify_one();
            return e.to_error();
        }
    } else if (auto reopened = connection->try_ensure_open(); !reopened) {
        give_back(std::move(connection));
        return std::move(reopened).error();
    }
    return PooledConnection(*this, std::move(connection));
}

PooledConnection ConnectionPool::acquire(std::chrono::milliseconds wait) {
    auto lease = try_acquire(wait);
    if (!lease) throw DatabaseError(lease.error());
    return std::move(lease).value();
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) noexcept {
    {
        std::lock_guard lock(mutex_);
        // A connection left inside a transaction (a bug elsewhere) must not leak it to the next
        // borrower: drop it and open afresh later.
        if (connection->in_transaction()) {
            --open_;
        } else {
            idle_.push_back(std::move(connection));
        }
    }
    returned_.notify_one();
}

}  // namespace courier::pg
