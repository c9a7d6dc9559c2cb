#pragma once
// libpq pipeline mode: many statements, one round trip (FACTS.md: ~2.6x the rows/s of one
// statement per round trip for 100-row transactions).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/params.hpp"
#include "courier/pg/rows.hpp"

namespace courier::pg {

/// A batch of parameterised statements sent without waiting for each answer. Construction puts
/// the Connection in pipeline mode; destruction takes it out, also after errors. While a Pipeline
/// lives, use the Connection only through it. Not thread-safe. Not copyable or movable.
///
/// Atomicity: the statements between two sync() calls run as one implicit transaction when no
/// Transaction is open (all or nothing), or inside the open Transaction (whose commit() then
/// decides — it fails if a pipeline statement failed). After the first failing statement the
/// server skips the rest of the batch.
///
///     pg::Transaction tx(conn);
///     {
///         pg::Pipeline pipeline(conn);
///         for (const auto& row : batch) pipeline.add("INSERT INTO t(a, b) VALUES ($1, $2)", {row.a, row.b});
///         pipeline.sync();  // throws PipelineError naming the failing statement
///     }
///     tx.commit();
class Pipeline {
public:
    /// Enters pipeline mode. Throws DatabaseError if the connection is closed or busy.
    explicit Pipeline(Connection& connection);
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;
    /// Leaves pipeline mode. Statements added but never synced must not take effect, so the
    /// batch is first failed on purpose (one statement that raises), then synced and drained;
    /// an open Transaction is left failed, so its commit() reports it. Never throws.
    ~Pipeline();

    /// Queues one statement. Does not wait for the server; libpq flushes its buffer as it fills
    /// (reading answers meanwhile, so a large batch cannot deadlock). A statement that cannot be
    /// queued (connection lost, NUL byte in a text parameter) is reported by sync().
    void add(std::string_view sql, const Params& params = {});
    /// Statements added since the last sync().
    std::size_t size() const noexcept { return queued_; }

    /// Sends the sync point and waits for every answer: the Rows of each statement, in the order
    /// added. Blocks. Throws PipelineError (kind from the SQLSTATE, statement_index() of the first
    /// failure, message "statement <i> of <n> in the pipeline failed: ..."). The pipeline is
    /// empty and usable again afterwards, unless the connection was lost.
    std::vector<Rows> sync();
    /// sync() as a value; the failing statement's index is in the message.
    Result<std::vector<Rows>> try_sync();

private:
    struct Failure {
        Error error;
        std::size_t index;
    };
    Result<std::vector<Rows>> collect(std::size_t* failed_index);

    Connection* connection_;
    std::size_t queued_ = 0;               // added since the last sync
    std::size_t sent_ = 0;                 // of those, handed to libpq
    std::optional<Failure> send_failure_;  // first statement that could not be queued
    // (index of the first statement, SQL) for each run of identical statements, for error messages.
    std::vector<std::pair<std::size_t, std::string>> sql_;
};

}  // namespace courier::pg
