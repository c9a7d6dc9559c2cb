#pragma once
// The orchestrator (DESIGN.md §7): every transition of an instance is one PostgreSQL transaction
// that updates courier_saga_instance under a version check, appends to courier_saga_history and
// enqueues the next command through the outbox. No state lives in memory, so a coordinator that
// is killed at any point resumes every instance from the database when it (or another) runs.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "courier/consumers/context.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/clock.hpp"
#include "courier/core/result.hpp"
#include "courier/outbox/outbox.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/transaction.hpp"
#include "courier/saga/saga_definition.hpp"

namespace courier::saga {

/// Something that happened to an instance, for metrics and the like (SagaCoordinatorOptions::observer).
struct SagaEvent {
    enum class Kind {
        compensation_started,  ///< a failure reply or a step timeout began the compensation
        timed_out,             ///< a deadline passed: of a step's command or of its compensation
        finished,              ///< the instance became final (completed, compensated, failed_needs_attention)
    };
    Kind kind;
    std::string saga;  ///< the saga type
    std::string saga_id;
    /// The step: that failed or timed out (compensation_started), whose deadline passed (timed_out),
    /// where the instance ended (finished).
    std::string step;
    /// compensation_started: compensating (also when nothing needed compensating and the instance
    /// went straight to compensated); timed_out: the status whose deadline passed (running: the
    /// step's command, compensating: its compensation); finished: the final status.
    SagaStatus status;
    /// finished: from start() to the final status, by the coordinator's clock; zero otherwise.
    std::chrono::duration<double> elapsed{0};
};

/// Called once per event, after the transaction that made the change committed
/// (pg::Transaction::on_commit), on the committing thread; never for work that rolled back. It must
/// be thread-safe and quick; an exception it throws is logged by the transaction.
using SagaObserver = std::function<void(const SagaEvent&)>;

struct SagaCoordinatorOptions {
    /// ce_source of the commands, e.g. "/store/order".
    std::string source;
    /// Optional; see SagaObserver.
    SagaObserver observer = {};
};

/// Error codes the coordinator returns.
inline constexpr std::string_view kConflict = "saga.conflict";         ///< version moved: retry
inline constexpr std::string_view kUnknownType = "saga.unknown_type";  ///< no definition
inline constexpr std::string_view kNoTransaction = "saga.no_transaction";

/// Drives saga instances. Register definitions with add() before sharing it; afterwards every
/// method is const and thread-safe (each call uses only the transaction or connection it is
/// given). Every call blocks on the database.
///
/// Reply matching: by ce_correlationid (the saga id). A reply is applied when the instance waits
/// for it: the status fits (running: the step's success/failure types; compensating: the
/// compensation's types) and its ce_causationid, when present, is the id of the command the
/// instance waits for. Anything else — a reply after a timeout, after completion, to an earlier
/// attempt, of an unexpected type, for an unknown saga — is recorded in the history (when the
/// instance exists) and ignored. Duplicates are the inbox's business (middleware::inbox).
///
/// Failure and timeout: a failure reply compensates the steps before the failed one, in reverse
/// order; a timeout compensates the timed-out step too (its command may have been applied late),
/// then the ones before it. Steps without a compensation are skipped. A compensation whose reply
/// is a failure, or that times out, is sent again (a new command id) up to the definition's
/// max_compensation_attempts, then the instance becomes failed_needs_attention.
class SagaCoordinator {
public:
    SagaCoordinator(SagaCoordinatorOptions options, outbox::Outbox outbox = outbox::Outbox{},
                    const Clock& clock = SystemClock::instance());

    /// Registers a saga type. Throws ConfigError for an empty or duplicate type or a step without
    /// invoke. Not thread-safe: call before the coordinator is shared.
    SagaCoordinator& add(SagaDefinition definition);

    /// Starts an instance in the caller's transaction (e.g. the one that stores the order): inserts
    /// it as running at step 0, records history and enqueues the first command. Nothing happens
    /// unless the transaction commits. `data` is JSON text. Errors: permanent kUnknownType; the
    /// database's (e.g. 23505 when `saga_id` exists) — then roll the transaction back.
    Result<void> start(pg::Transaction& transaction, const std::string& type, const std::string& saga_id,
                       const std::string& data) const;

    /// Applies one reply inside `transaction` (the inbox's). See the class comment for matching.
    /// Errors: transient kConflict when the instance changed meanwhile (retry the whole
    /// transaction); the data update's error; the database's.
    Result<void> handle_reply(pg::Transaction& transaction, const Message& reply,
                              const ce::Attributes& event) const;

    /// The reply handling as a consumers::Handler; it needs Context::transaction, so put
    /// middleware::inbox on the router (permanent kNoTransaction otherwise).
    consumers::Handler reply_handler() const;

    /// Plugs reply handling into `router` for every reply topic (ce_type "*": types no step
    /// expects are recorded and ignored). The coordinator must outlive the router.
    void attach(consumers::Router& router, const std::vector<std::string>& reply_topics) const;

    /// Handles up to `limit` instances whose deadline has passed (deadline <= clock now), in one
    /// transaction on `connection`, claimed with FOR UPDATE SKIP LOCKED so that coordinators
    /// sweeping at once never handle one timeout twice. Returns how many were handled.
    Result<std::size_t> sweep_timeouts(pg::Connection& connection, std::size_t limit = 100) const;

    const Clock& clock() const noexcept { return *clock_; }

    /// An instance row as the coordinator reads it; defined and used only in the source.
    struct Instance;

private:
    const SagaDefinition* find(const std::string& type) const;
    void notify(pg::Transaction& transaction, SagaEvent event) const;
    Result<void> on_timeout(pg::Transaction& transaction, const Instance& instance) const;
    Result<void> begin_compensation(pg::Transaction& transaction, const SagaDefinition& definition,
                                    const Instance& instance, int from_step, const std::string& cause_id,
                                    const std::string& detail) const;
    Result<void> compensate_from(pg::Transaction& transaction, const SagaDefinition& definition,
                                 const Instance& instance, int from_step, int attempt,
                                 const std::string& cause_id, const std::string& data,
                                 const std::string& detail) const;

    SagaCoordinatorOptions options_;
    outbox::Outbox outbox_;
    const Clock* clock_;
    std::map<std::string, SagaDefinition, std::less<>> definitions_;
};

}  // namespace courier::saga
