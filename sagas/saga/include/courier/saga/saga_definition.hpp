#pragma once
// A saga as an ordered list of steps that *return* commands (Eventuate Tram's step DSL):
// invoke, what a reply means, how to compensate, how long to wait (DESIGN.md §7).

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "courier/core/errors.hpp"
#include "courier/core/result.hpp"
#include "courier/pg/transaction.hpp"
#include "courier/saga/saga_status.hpp"

namespace courier::saga {

/// A command to send to a participant. The coordinator stamps the CloudEvents headers:
/// ce_correlationid = saga id, ce_causationid = the id of the reply that caused it (absent for
/// the first command and for commands caused by a timeout), ce_subject and key = `key`, or the
/// saga id when `key` is empty.
struct Command {
    std::string topic;
    std::string type;     ///< ce_type, e.g. store.product.reserve-stock.v1
    std::string payload;  ///< usually JSON
    std::string key = {};
};

/// Builds a command from the saga data (the JSON text stored in courier_saga_instance.data).
using CommandBuilder = std::function<Command(const std::string& data)>;
/// Builds the compensation of a completed step, or std::nullopt when this data needs none.
using CompensationBuilder = std::function<std::optional<Command>(const std::string& data)>;
/// Folds a success reply's payload into the saga data and returns the new data (JSON text). An
/// error fails the reply handling (transient: retried; otherwise the reply is dead-lettered by the
/// router and the instance waits for its timeout).
using DataUpdate =
    std::function<Result<std::string>(const std::string& data, const std::string& reply_payload)>;

/// One step. Replies are matched by ce_type; a reply must carry ce_correlationid = saga id and
/// should carry ce_causationid = the command's ce_id (ce::caused_by does both), which lets the
/// coordinator tell a reply to an earlier, timed-out command from the current one.
struct SagaStep {
    std::string name;
    CommandBuilder invoke;
    std::vector<std::string> success_replies;
    std::vector<std::string> failure_replies;
    std::chrono::milliseconds timeout{30000};
    /// Runs on a success reply before the next step's command is built. None: data unchanged.
    DataUpdate on_success = {};
    /// Runs on a failure reply before compensation starts, e.g. to keep the participant's reason
    /// in the data for on_finished. None: data unchanged.
    DataUpdate on_failure = {};
    /// The compensation; none when the step changes nothing that must be undone. Compensations
    /// may be sent more than once (retries after a failure reply or a timeout, a compensation of
    /// a step whose command timed out and was never applied): participants must make them
    /// idempotent and treat "nothing to undo" as success.
    CompensationBuilder compensate = {};
    /// Replies that confirm the compensation; `compensation_failures` make the coordinator retry.
    std::vector<std::string> compensation_replies = {};
    std::vector<std::string> compensation_failures = {};
    std::chrono::milliseconds compensation_timeout{30000};
};

/// How an instance ended, for SagaDefinition::on_finished.
struct Finished {
    std::string saga_id;
    SagaStatus status;   ///< completed, compensated or failed_needs_attention
    std::string data;    ///< the final saga data (JSON text)
    std::string reason;  ///< why it did not complete (the first cause); empty when completed
};

/// Runs inside the transaction that makes the instance final, so the owner's own state (an
/// order's status, say) changes atomically with the saga's. An error rolls the transition back
/// (transient: retried with the reply).
using FinishedHook = std::function<Result<void>(pg::Transaction& transaction, const Finished& finished)>;

/// A saga type. `type` names instances in courier_saga_instance.type.
struct SagaDefinition {
    std::string type;
    std::vector<SagaStep> steps;
    /// How many times one compensation is sent before the instance becomes
    /// failed_needs_attention (a human, or `courier saga`, takes it from there).
    int max_compensation_attempts = 3;
    /// Called once when an instance becomes final (MassTransit's Finalize, Eventuate's
    /// onSagaCompletedSuccessfully / onSagaRolledBack). None: nothing else happens.
    FinishedHook on_finished = {};
};

/// Typed saga data converted to and from its JSON storage form in one place; the typed_*
/// adapters below turn typed step functions into the JSON-text ones a SagaStep holds.
template <typename Data>
struct DataCodec {
    std::function<std::string(const Data&)> encode;
    std::function<Result<Data>(const std::string&)> decode;
};

namespace detail {
template <typename Data>
Data decode_or_throw(const DataCodec<Data>& codec, const std::string& json) {
    auto data = codec.decode(json);
    // The coordinator turns an exception from a builder into a permanent error of the transition.
    if (!data) throw CourierError(data.error(), "the stored saga data does not decode; check the codec");
    return std::move(data).value();
}
}  // namespace detail

/// A CommandBuilder over typed data. A decode failure fails the transition (permanent).
template <typename Data>
CommandBuilder typed_invoke(DataCodec<Data> codec, std::function<Command(const Data&)> invoke) {
    return [codec = std::move(codec), invoke = std::move(invoke)](const std::string& json) {
        return invoke(detail::decode_or_throw(codec, json));
    };
}

/// A CompensationBuilder over typed data.
template <typename Data>
CompensationBuilder typed_compensate(DataCodec<Data> codec,
                                     std::function<std::optional<Command>(const Data&)> compensate) {
    return [codec = std::move(codec), compensate = std::move(compensate)](const std::string& json) {
        return compensate(detail::decode_or_throw(codec, json));
    };
}

/// A DataUpdate over typed data: gets the decoded data and the reply's payload, returns the new
/// data (encoded by the codec) or an error.
template <typename Data>
DataUpdate typed_update(DataCodec<Data> codec,
                        std::function<Result<Data>(Data data, const std::string& reply_payload)> update) {
    return [codec = std::move(codec), update = std::move(update)](
               const std::string& json, const std::string& reply) -> Result<std::string> {
        auto data = codec.decode(json);
        if (!data) return std::move(data).error();
        auto updated = update(std::move(data).value(), reply);
        if (!updated) return std::move(updated).error();
        return codec.encode(*updated);
    };
}

}  // namespace courier::saga
