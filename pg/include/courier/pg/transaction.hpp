#pragma once
// BEGIN ... COMMIT as an object: rolled back unless commit() succeeded.

#include <functional>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/params.hpp"
#include "courier/pg/rows.hpp"

namespace courier::pg {

enum class IsolationLevel { read_committed, repeatable_read, serializable };

/// A transaction on one Connection: BEGIN on construction, commit() to keep its work, ROLLBACK
/// in the destructor otherwise. Not thread-safe (it uses its Connection, which must outlive it
/// and must not start another transaction meanwhile). Movable, not copyable.
///
/// Under repeatable read and serializable, expect serialization failures (40001, transient) on
/// any statement or on commit(): retry the whole transaction.
class Transaction {
public:
    /// BEGIN with `isolation`. Blocks. Throws DatabaseError (e.g. transient if the connection
    /// was lost: ensure_open() and try again).
    explicit Transaction(Connection& connection, IsolationLevel isolation = IsolationLevel::read_committed);
    /// The same without exceptions, for hot loops.
    static Result<Transaction> try_begin(Connection& connection,
                                         IsolationLevel isolation = IsolationLevel::read_committed);

    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    /// Rolls back if neither commit() nor rollback() ran. Never throws; a failed ROLLBACK is
    /// logged (the server rolls back on its own when the connection is gone).
    ~Transaction();

    /// Statements inside the transaction; see Connection::exec / try_exec / exec_script.
    Rows exec(std::string_view sql, const Params& params = {}) { return connection_->exec(sql, params); }
    Result<Rows> try_exec(std::string_view sql, const Params& params = {}) {
        return connection_->try_exec(sql, params);
    }
    void exec_script(std::string_view sql) { connection_->exec_script(sql); }

    /// COMMIT. Throws DatabaseError: with the server's error (e.g. 40001 under serializable), or
    /// permanent "rolled back" when an earlier statement had failed and the server answered the
    /// COMMIT with ROLLBACK. Either way the transaction is over afterwards.
    void commit();
    Result<void> try_commit();
    /// ROLLBACK now (a no-op once the transaction is over). Throws DatabaseError; the transaction
    /// is over afterwards either way.
    void rollback();

    /// Runs `callback` right after a COMMIT of this transaction succeeds, in registration order, on
    /// the committing thread; it is dropped if the transaction rolls back or its COMMIT fails. For
    /// effects outside the database that must match what committed (e.g. metrics counters). An
    /// exception from a callback is logged and does not reach the committer. A ROLLBACK TO
    /// SAVEPOINT does not drop callbacks: register them only once the work they describe succeeded.
    void on_commit(std::function<void()> callback) { on_commit_.push_back(std::move(callback)); }

    /// False once commit() or rollback() ran (successfully or not).
    bool is_active() const noexcept { return active_; }
    Connection& connection() noexcept { return *connection_; }

private:
    struct Begun {};
    Transaction(Connection& connection, Begun) noexcept : connection_(&connection), active_(true) {}

    Connection* connection_;
    bool active_;
    std::vector<std::function<void()>> on_commit_;
};

}  // namespace courier::pg
