#pragma once
// A bounded set of connections to one database, shared by threads.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/pg/connection.hpp"

namespace courier::pg {

class ConnectionPool;

/// A connection borrowed from a pool; returned when the lease dies. Movable.
class PooledConnection {
public:
    PooledConnection(ConnectionPool& pool, std::unique_ptr<Connection> connection) noexcept
        : pool_(&pool), connection_(std::move(connection)) {}
    PooledConnection(PooledConnection&&) noexcept = default;
    PooledConnection& operator=(PooledConnection&&) = delete;
    ~PooledConnection();

    Connection& operator*() const noexcept { return *connection_; }
    Connection* operator->() const noexcept { return connection_.get(); }

private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
};

/// Opens connections lazily up to `max_size` and hands them out one thread at a time.
/// Thread-safe. A broken connection is reopened on its next lease (ensure_open), so callers see
/// a transient error at most once per outage and then a working connection when the server is
/// back.
class ConnectionPool {
public:
    ConnectionPool(std::string dsn, std::size_t max_size);
    ~ConnectionPool();

    /// Borrows a connection, waiting up to `wait` for one to be free. Errors (transient): the
    /// server is unreachable, or the pool stayed exhausted for `wait`.
    Result<PooledConnection> try_acquire(std::chrono::milliseconds wait = std::chrono::seconds(30));
    /// The same, throwing DatabaseError.
    PooledConnection acquire(std::chrono::milliseconds wait = std::chrono::seconds(30));

    const std::string& dsn() const noexcept { return dsn_; }

private:
    friend class PooledConnection;
    void give_back(std::unique_ptr<Connection> connection) noexcept;

    std::string dsn_;
    std::size_t max_size_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_ = 0;  // connections existing (idle or leased)
};

}  // namespace courier::pg
