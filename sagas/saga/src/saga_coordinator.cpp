#include "courier/saga/saga_coordinator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>

#include "courier/core/cloud_events.hpp"
#include "courier/core/errors.hpp"
#include "courier/saga/saga_status.hpp"
#include "sql_text.hpp"

namespace courier::saga {

struct SagaCoordinator::Instance {
    std::string id;
    std::string type;
    SagaStatus status = SagaStatus::running;
    int step = 0;
    int attempt = 1;
    std::string data;
    int64_t version = 0;
    std::string awaiting;
};

namespace {

constexpr std::string_view kInstanceColumns =
    "id, type, status, step, attempt, data::text, version, awaiting";

SagaCoordinator::Instance read_instance(const pg::Rows& rows, int row);

bool contains(const std::vector<std::string>& types, const std::string& type) {
    return std::find(types.begin(), types.end(), type) != types.end();
}

// What the instance becomes in one transition.
struct Next {
    SagaStatus status;
    int step;
    int attempt;
    std::string data;
    std::optional<Command> command;
    std::chrono::milliseconds timeout{0};
    std::string reason = {};
};

// Runs a user-supplied builder; an exception becomes a permanent error rather than escaping the
// transaction half-done.
template <typename F>
auto guarded(std::string_view what, F f) -> Result<decltype(f())> {
    try {
        return f();
    } catch (const std::exception& e) {
        return Error::permanent("saga.builder", std::string(what) + " threw: " + e.what());
    }
}

}  // namespace

SagaCoordinator::SagaCoordinator(SagaCoordinatorOptions options, outbox::Outbox outbox, const Clock& clock)
    : options_(std::move(options)), outbox_(std::move(outbox)), clock_(&clock) {}

SagaCoordinator& SagaCoordinator::add(SagaDefinition definition) {
    if (definition.type.empty()) throw ConfigError("saga definition without a type");
    if (definitions_.contains(definition.type)) {
        throw ConfigError("saga type '" + definition.type + "' is defined twice");
    }
    for (const auto& step : definition.steps) {
        if (!step.invoke) {
            throw ConfigError("step '" + step.name + "' of saga '" + definition.type + "' has no invoke");
        }
    }
    if (definition.max_compensation_attempts < 1) definition.max_compensation_attempts = 1;
    auto type = definition.type;
    definitions_.emplace(std::move(type), std::move(definition));
    return *this;
}

const SagaDefinition* SagaCoordinator::find(const std::string& type) const {
    auto it = definitions_.find(type);
    return it == definitions_.end() ? nullptr : &it->second;
}

namespace {

std::string step_name(const SagaDefinition& definition, int step) {
    if (step < 0 || static_cast<std::size_t>(step) >= definition.steps.size()) return {};
    return definition.steps[static_cast<std::size_t>(step)].name;
}

// Tells `observer` of `event` once `tx` commits.
void notify_on_commit(pg::Transaction& tx, const SagaObserver& observer, SagaEvent event) {
    if (!observer) return;
    tx.on_commit([observer, event = std::move(event)] { observer(event); });
}

}  // namespace

void SagaCoordinator::notify(pg::Transaction& transaction, SagaEvent event) const {
    notify_on_commit(transaction, options_.observer, std::move(event));
}

namespace {

SagaCoordinator::Instance read_instance(const pg::Rows& rows, int row) {
    SagaCoordinator::Instance i;
    i.id = rows.get<std::string>(row, 0);
    i.type = rows.get<std::string>(row, 1);
    i.status = parse_status(rows.get<std::string_view>(row, 2)).value_or(SagaStatus::failed_needs_attention);
    i.step = rows.get<int>(row, 3);
    i.attempt = rows.get<int>(row, 4);
    i.data = rows.get<std::string>(row, 5);
    i.version = rows.get<int64_t>(row, 6);
    i.awaiting = rows.get_optional<std::string>(row, 7).value_or("");
    return i;
}

// Builds the command message with the saga's CloudEvents attributes; returns its ce_id.
Message command_message(const Command& command, const std::string& saga_id, const std::string& cause_id,
                        const std::string& source) {
    Message m;
    m.topic = command.topic;
    m.payload = command.payload;
    ce::Attributes a;
    a.type = command.type;
    a.source = source;
    a.subject = command.key.empty() ? saga_id : command.key;
    a.correlation_id = saga_id;
    a.causation_id = cause_id;
    ce::stamp(m, a);
    return m;
}

Result<void> record_history(pg::Transaction& tx, const std::string& saga_id, const std::string& at,
                            std::optional<SagaStatus> from, SagaStatus to, int step,
                            const std::string& message_id, const std::string& command_id,
                            const std::string& detail) {
    auto r = tx.try_exec(
        "INSERT INTO courier_saga_history (saga_id, at, from_status, to_status, step, message_id, "
        "command_id, "
        "detail) VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8)",
        {saga_id, at, from ? pg::Param(to_string(*from)) : pg::Param(std::nullopt), to_string(to), step,
         message_id.empty() ? pg::Param(std::nullopt) : pg::Param(message_id),
         command_id.empty() ? pg::Param(std::nullopt) : pg::Param(command_id), detail});
    if (!r) return std::move(r).error();
    return {};
}

}  // namespace

// The one way an instance changes: version-checked UPDATE, history row, next command.
static Result<void> transition(pg::Transaction& tx, const outbox::Outbox& outbox, const Clock& clock,
                               const std::string& source, const SagaObserver& observer,
                               const SagaDefinition& definition, const SagaCoordinator::Instance& before,
                               Next next, const std::string& cause_id, const std::string& detail) {
    const auto now = clock.now();
    const auto at = ce::format_time(now);
    std::optional<Message> message;
    std::string command_id;
    std::optional<std::string> deadline;
    if (next.command) {
        message = command_message(*next.command, before.id, cause_id, source);
        command_id = std::string(*message->headers.get(ce::kId));
        deadline = ce::format_time(now + next.timeout);
    }
    auto updated = tx.try_exec(
        "UPDATE courier_saga_instance SET status = $3, step = $4, attempt = $5, data = $6::jsonb, "
        "version = version + 1, awaiting = $7, reason = COALESCE($8, reason), updated_at = $9::timestamptz, "
        "deadline = $10::timestamptz WHERE id = $1 AND version = $2 "
        "RETURNING COALESCE(reason, ''), EXTRACT(EPOCH FROM $9::timestamptz - created_at)::float8",
        {before.id, before.version, to_string(next.status), next.step, next.attempt, next.data,
         command_id.empty() ? pg::Param(std::nullopt) : pg::Param(command_id),
         next.reason.empty() ? pg::Param(std::nullopt) : pg::Param(next.reason), at, deadline});
    if (!updated) return std::move(updated).error();
    if (updated->affected_rows() != 1) {
        return Error::transient(std::string(kConflict), "saga " + before.id + " changed since version " +
                                                            std::to_string(before.version) + "; retry");
    }
    auto history = record_history(tx, before.id, at, before.status, next.status, next.step, cause_id,
                                  command_id, detail);
    if (!history) return history;
    if (message) return outbox.enqueue(tx, *message);
    if (!is_final(next.status)) return {};
    if (definition.on_finished) {
        const Finished finished{before.id, next.status, next.data,
                                next.status == SagaStatus::completed ? std::string() : updated->get<std::string>(0, 0)};
        auto hooked = guarded("on_finished of saga '" + definition.type + "'",
                              [&] { return definition.on_finished(tx, finished); });
        if (!hooked) return std::move(hooked).error();
        if (!*hooked) return std::move(*hooked);
    }
    notify_on_commit(
        tx, observer,
        SagaEvent{SagaEvent::Kind::finished, definition.type, before.id, step_name(definition, next.step),
                  next.status, std::chrono::duration<double>(updated->get<double>(0, 1))});
    return {};
}

Result<void> SagaCoordinator::start(pg::Transaction& tx, const std::string& type, const std::string& saga_id,
                                    const std::string& data) const {
    const auto* definition = find(type);
    if (definition == nullptr) {
        return Error::permanent(std::string(kUnknownType), "no saga definition of type '" + type + "'");
    }
    const auto now = clock_->now();
    const auto at = ce::format_time(now);
    std::optional<Message> message;
    std::string command_id;
    std::optional<std::string> deadline;
    SagaStatus status = SagaStatus::completed;
    if (!definition->steps.empty()) {
        const auto& first = definition->steps.front();
        auto command = guarded("invoke of step '" + first.name + "'", [&] { return first.invoke(data); });
        if (!command) return std::move(command).error();
        message = command_message(*command, saga_id, "", options_.source);
        command_id = std::string(*message->headers.get(ce::kId));
        deadline = ce::format_time(now + first.timeout);
        status = SagaStatus::running;
    }
    auto inserted = tx.try_exec(
        "INSERT INTO courier_saga_instance (id, type, status, step, attempt, data, version, awaiting, "
        "created_at, "
        "updated_at, deadline) VALUES ($1, $2, $3, 0, 1, $4::jsonb, 0, $5, $6::timestamptz, $6::timestamptz, "
        "$7::timestamptz)",
        {saga_id, type, to_string(status), data,
         command_id.empty() ? pg::Param(std::nullopt) : pg::Param(command_id), at, deadline});
    if (!inserted) return std::move(inserted).error();
    auto history = record_history(tx, saga_id, at, std::nullopt, status, 0, "", command_id, "started");
    if (!history) return history;
    if (message) return outbox_.enqueue(tx, *message);
    return {};
}

Result<void> SagaCoordinator::compensate_from(pg::Transaction& tx, const SagaDefinition& definition,
                                              const Instance& instance, int from_step, int attempt,
                                              const std::string& cause_id, const std::string& data,
                                              const std::string& detail) const {
    for (int i = from_step; i >= 0; --i) {
        const auto& step = definition.steps[static_cast<std::size_t>(i)];
        if (!step.compensate) continue;
        auto command =
            guarded("compensate of step '" + step.name + "'", [&] { return step.compensate(data); });
        if (!command) return std::move(command).error();
        if (!*command) continue;
        return transition(
            tx, outbox_, *clock_, options_.source, options_.observer, definition, instance,
            Next{SagaStatus::compensating, i, attempt, data, **command, step.compensation_timeout}, cause_id,
            detail + "; compensating step '" + step.name + "'");
    }
    return transition(tx, outbox_, *clock_, options_.source, options_.observer, definition, instance,
                      Next{SagaStatus::compensated, std::max(from_step, 0), 1, data, std::nullopt}, cause_id,
                      detail + "; compensated");
}

Result<void> SagaCoordinator::begin_compensation(pg::Transaction& tx, const SagaDefinition& definition,
                                                 const Instance& instance, int from_step,
                                                 const std::string& cause_id,
                                                 const std::string& detail) const {
    // The reason keeps the first cause; the compensation's own troubles go to the history only.
    auto reason =
        tx.try_exec("UPDATE courier_saga_instance SET reason = $2 WHERE id = $1", {instance.id, detail});
    if (!reason) return std::move(reason).error();
    auto compensating =
        compensate_from(tx, definition, instance, from_step, 1, cause_id, instance.data, detail);
    // Registered only once the work succeeded: a sweep rolls a failed instance back to a savepoint,
    // which would not drop the callback.
    if (compensating) {
        notify(tx, SagaEvent{SagaEvent::Kind::compensation_started, definition.type, instance.id,
                             step_name(definition, instance.step), SagaStatus::compensating});
    }
    return compensating;
}

// A compensation failed (failure reply or timeout): send it again, or give up.
static Result<void> retry_compensation(pg::Transaction& tx, const outbox::Outbox& outbox, const Clock& clock,
                                       const std::string& source, const SagaObserver& observer,
                                       const SagaDefinition& definition,
                                       const SagaCoordinator::Instance& instance, const std::string& cause_id,
                                       const std::string& detail) {
    const auto& step = definition.steps[static_cast<std::size_t>(instance.step)];
    if (instance.attempt >= definition.max_compensation_attempts) {
        return transition(tx, outbox, clock, source, observer, definition, instance,
                          Next{SagaStatus::failed_needs_attention,
                               instance.step,
                               instance.attempt,
                               instance.data,
                               std::nullopt,
                               {},
                               "compensation of step '" + step.name + "' failed " +
                                   std::to_string(instance.attempt) + " times"},
                          cause_id,
                          detail + "; giving up after " + std::to_string(instance.attempt) + " attempts");
    }
    auto command =
        guarded("compensate of step '" + step.name + "'", [&] { return step.compensate(instance.data); });
    if (!command) return std::move(command).error();
    if (!*command) {
        return Error::permanent("saga.builder",
                                "compensate of step '" + step.name + "' returned no command on retry");
    }
    return transition(tx, outbox, clock, source, observer, definition, instance,
                      Next{SagaStatus::compensating, instance.step, instance.attempt + 1, instance.data,
                           **command, step.compensation_timeout},
                      cause_id,
                      detail + "; retrying compensation, attempt " + std::to_string(instance.attempt + 1));
}

Result<void> SagaCoordinator::handle_reply(pg::Transaction& tx, const Message& reply,
                                           const ce::Attributes& event) const {
    const std::string& saga_id = event.correlation_id;
    if (saga_id.empty()) {
        spdlog::warn("saga reply {} ({}) at {} has no ce_correlationid; ignored", event.id, event.type,
                     describe_position(reply));
        return {};
    }
    auto rows = tx.try_exec(
        std::string("SELECT ") + std::string(kInstanceColumns) + " FROM courier_saga_instance WHERE id = $1",
        {saga_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) {
        spdlog::warn("saga reply {} ({}) for unknown saga {}; ignored", event.id, event.type, saga_id);
        return {};
    }
    const Instance instance = read_instance(*rows, 0);
    const auto ignore = [&](const std::string& why) -> Result<void> {
        spdlog::info("saga {}: reply {} ({}) ignored: {}", saga_id, event.id, event.type, why);
        return record_history(tx, saga_id, ce::format_time(clock_->now()), instance.status, instance.status,
                              instance.step, event.id, "", "ignored " + event.type + ": " + why);
    };
    const auto* definition = find(instance.type);
    if (definition == nullptr) return ignore("no definition of saga type '" + instance.type + "' here");
    if (is_final(instance.status)) {
        return ignore("the saga is already " + std::string(to_string(instance.status)));
    }
    if (static_cast<std::size_t>(instance.step) >= definition->steps.size()) {
        return Error::permanent("saga.definition_changed", "saga " + saga_id + " is at step " +
                                                               std::to_string(instance.step) + " but '" +
                                                               instance.type + "' has fewer steps now");
    }
    if (!event.causation_id.empty() && event.causation_id != instance.awaiting) {
        return ignore("it answers command " + event.causation_id + ", the saga waits for " +
                      instance.awaiting);
    }
    const auto& step = definition->steps[static_cast<std::size_t>(instance.step)];
    const std::string where = "step '" + step.name + "'";
    if (instance.status == SagaStatus::running) {
        if (contains(step.success_replies, event.type)) {
            std::string data = instance.data;
            if (step.on_success) {
                auto updated =
                    guarded("on_success of " + where, [&] { return step.on_success(data, reply.payload); });
                if (!updated) return std::move(updated).error();
                if (!*updated) return std::move(*updated).error();
                data = std::move(updated->value());
            }
            const auto next_index = static_cast<std::size_t>(instance.step) + 1;
            if (next_index >= definition->steps.size()) {
                return transition(tx, outbox_, *clock_, options_.source, options_.observer, *definition,
                                  instance, Next{SagaStatus::completed, instance.step, 1, data, std::nullopt},
                                  event.id, where + " succeeded: " + event.type + "; completed");
            }
            const auto& next = definition->steps[next_index];
            auto command = guarded("invoke of step '" + next.name + "'", [&] { return next.invoke(data); });
            if (!command) return std::move(command).error();
            return transition(
                tx, outbox_, *clock_, options_.source, options_.observer, *definition, instance,
                Next{SagaStatus::running, static_cast<int>(next_index), 1, data, *command, next.timeout},
                event.id, where + " succeeded: " + event.type);
        }
        if (contains(step.failure_replies, event.type)) {
            Instance failed = instance;
            if (step.on_failure) {
                auto updated =
                    guarded("on_failure of " + where, [&] { return step.on_failure(failed.data, reply.payload); });
                if (!updated) return std::move(updated).error();
                if (!*updated) return std::move(*updated).error();
                failed.data = std::move(updated->value());
            }
            return begin_compensation(tx, *definition, failed, instance.step - 1, event.id,
                                      where + " failed: " + event.type);
        }
        return ignore(where + " expects no such reply");
    }
    // compensating
    if (contains(step.compensation_replies, event.type)) {
        return compensate_from(tx, *definition, instance, instance.step - 1, 1, event.id, instance.data,
                               "compensation of " + where + " done: " + event.type);
    }
    if (contains(step.compensation_failures, event.type)) {
        return retry_compensation(tx, outbox_, *clock_, options_.source, options_.observer, *definition,
                                  instance, event.id, "compensation of " + where + " failed: " + event.type);
    }
    return ignore("the compensation of " + where + " expects no such reply");
}

Result<void> SagaCoordinator::on_timeout(pg::Transaction& tx, const Instance& instance) const {
    const auto* definition = find(instance.type);
    if (definition == nullptr) return {};
    if (static_cast<std::size_t>(instance.step) >= definition->steps.size()) {
        return Error::permanent("saga.definition_changed", "saga " + instance.id + " is at step " +
                                                               std::to_string(instance.step) + " but '" +
                                                               instance.type + "' has fewer steps now");
    }
    const auto& step = definition->steps[static_cast<std::size_t>(instance.step)];
    // The timed-out command may still be applied late, so a running step is compensated too.
    auto handled =
        instance.status == SagaStatus::running
            ? begin_compensation(tx, *definition, instance, instance.step, "",
                                 "step '" + step.name + "' timed out")
            : retry_compensation(tx, outbox_, *clock_, options_.source, options_.observer, *definition,
                                 instance, "", "compensation of step '" + step.name + "' timed out");
    if (handled) {
        notify(tx, SagaEvent{SagaEvent::Kind::timed_out, definition->type, instance.id, step.name,
                             instance.status});
    }
    return handled;
}

consumers::Handler SagaCoordinator::reply_handler() const {
    return [this](consumers::Context& context) -> Result<void> {
        if (context.transaction == nullptr) {
            return Error::permanent(std::string(kNoTransaction),
                                    "saga replies need the inbox middleware (Context::transaction is null)");
        }
        return handle_reply(*context.transaction, context.message, context.event);
    };
}

void SagaCoordinator::attach(consumers::Router& router, const std::vector<std::string>& reply_topics) const {
    for (const auto& topic : reply_topics)
        router.handle("saga-replies:" + topic, topic, "*", reply_handler());
}

Result<std::size_t> SagaCoordinator::sweep_timeouts(pg::Connection& connection, std::size_t limit) const {
    std::vector<std::string> types;
    for (const auto& [type, definition] : definitions_) types.push_back(type);
    auto tx = pg::Transaction::try_begin(connection);
    if (!tx) return std::move(tx).error();
    // Only this coordinator's types: instances of others must not crowd its batch.
    auto rows =
        tx->try_exec(std::string("SELECT ") + std::string(kInstanceColumns) +
                         " FROM courier_saga_instance WHERE deadline <= $1::timestamptz "
                         "AND type = ANY($2::text[]) ORDER BY deadline LIMIT $3 FOR UPDATE SKIP LOCKED",
                     {ce::format_time(clock_->now()), text_array(types), static_cast<int64_t>(limit)});
    if (!rows) return std::move(rows).error();
    std::size_t handled = 0;
    for (int r = 0; r < rows->size(); ++r) {
        const Instance instance = read_instance(*rows, r);
        // A savepoint per instance: one whose builder fails is logged and left due, the others go on.
        auto savepoint = tx->try_exec("SAVEPOINT courier_saga_timeout");
        if (!savepoint) return std::move(savepoint).error();
        auto result = on_timeout(*tx, instance);
        if (!result) {
            if (result.error().retriable()) return std::move(result).error();
            spdlog::error("saga {} ({}): timeout handling failed: {}", instance.id, instance.type,
                          result.error().describe());
            auto back = tx->try_exec("ROLLBACK TO SAVEPOINT courier_saga_timeout");
            if (!back) return std::move(back).error();
            continue;
        }
        ++handled;
    }
    auto committed = tx->try_commit();
    if (!committed) return std::move(committed).error();
    return handled;
}

}  // namespace courier::saga
