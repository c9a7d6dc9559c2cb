#include "courier/pg/transaction.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "libpq.hpp"

namespace courier::pg {

namespace {
std::string_view begin_statement(IsolationLevel isolation) {
    switch (isolation) {
        case IsolationLevel::repeatable_read:
            return "BEGIN ISOLATION LEVEL REPEATABLE READ";
        case IsolationLevel::serializable:
            return "BEGIN ISOLATION LEVEL SERIALIZABLE";
        case IsolationLevel::read_committed:
            break;
    }
    return "BEGIN ISOLATION LEVEL READ COMMITTED";
}
}  // namespace

Transaction::Transaction(Connection& connection, IsolationLevel isolation)
    : connection_(&connection), active_(false) {
    connection.exec(begin_statement(isolation));
    active_ = true;
}

Result<Transaction> Transaction::try_begin(Connection& connection, IsolationLevel isolation) {
    auto begun = connection.try_exec(begin_statement(isolation));
    if (!begun) return std::move(begun).error();
    return Transaction(connection, Begun{});
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(other.connection_),
      active_(std::exchange(other.active_, false)),
      on_commit_(std::move(other.on_commit_)) {}

Transaction::~Transaction() {
    if (!active_) return;
    // Something already ended the transaction on the server (a COMMIT inside a script): a
    // ROLLBACK now would only earn a "no transaction in progress" warning.
    if (connection_->is_open() && !connection_->in_transaction()) return;
    try {
        auto rolled_back = connection_->try_exec("ROLLBACK");
        if (rolled_back) return;
        // With the connection gone the server has already rolled back: nothing was lost.
        if (!connection_->is_open()) {
            spdlog::debug("pg: rollback skipped on {}: connection lost, the server rolled back",
                          connection_->target());
        } else {
            spdlog::warn("pg: ROLLBACK on {} failed: {}", connection_->target(),
                         rolled_back.error().describe());
        }
    } catch (const std::exception& e) {
        spdlog::warn("pg: ROLLBACK on {} failed: {}", connection_->target(), e.what());
    }
}

Result<void> Transaction::try_commit() {
    if (!active_) {
        return Error::permanent("pg.client",
                                "commit() on a transaction that already committed or rolled back");
    }
    active_ = false;
    auto committed = connection_->try_exec("COMMIT");
    if (!committed) return std::move(committed).error();
    // A transaction in which a statement failed answers COMMIT with the tag ROLLBACK, not an
    // error: without this check its work would be lost silently.
    if (committed->command_tag() == "ROLLBACK") {
        on_commit_.clear();
        return Error::permanent(
            "pg.25P02", "COMMIT on " + connection_->target() +
                            " rolled back: a statement in the transaction had failed [SQLSTATE 25P02]");
    }
    auto callbacks = std::move(on_commit_);
    on_commit_.clear();
    for (auto& callback : callbacks) {
        try {
            callback();
        } catch (const std::exception& e) {
            spdlog::warn("pg: an on-commit callback on {} failed: {}", connection_->target(), e.what());
        }
    }
    return {};
}

void Transaction::commit() {
    if (auto done = try_commit(); !done) throw DatabaseError(done.error(), detail::hint_for(done.error()));
}

void Transaction::rollback() {
    if (!active_) return;
    active_ = false;
    connection_->exec("ROLLBACK");
}

}  // namespace courier::pg
