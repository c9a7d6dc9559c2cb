#include "courier/consumers/router.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>

#include "courier/consumers/dead_letter.hpp"
#include "courier/consumers/replay_headers.hpp"
#include "courier/core/errors.hpp"
#include "worker_pool.hpp"

namespace courier::consumers {

namespace {

using Steady = std::chrono::steady_clock;
using broker::TopicPartition;
using namespace std::chrono_literals;

struct Route {
    std::string name;
    Handler raw;
    Handler chain;  // raw wrapped in the middleware, built by run()
};

// A message that must go to the dead-letter topic: why, and how many attempts it had.
struct PendingDeadLetter {
    Error error;
    std::string reason;
};

// The queued messages of one partition, handed to a worker and processed in order until one
// has to wait (retry) or all are done.
struct Batch {
    TopicPartition partition;
    std::deque<Message> messages;
    int attempts = 0;  // failures so far of messages.front()
    std::optional<PendingDeadLetter> dead_letter;
};

struct BatchResult {
    TopicPartition partition;
    // Processed, skipped or dead-lettered: commit past them. Offsets only grow within a
    // partition, so the last one stands for all (its metadata is all that is kept).
    std::optional<MessageMetadata> last_done;
    std::size_t done_count = 0;
    std::deque<Message> remaining;  // the head failed and waits for a retry; the rest after it
    int attempts = 0;
    std::optional<PendingDeadLetter> dead_letter;
    std::optional<Error> last_error;
};

struct PartitionState {
    std::deque<Message> queue;
    int attempts = 0;
    std::optional<PendingDeadLetter> dead_letter;
    std::optional<Error> last_error;
    Steady::time_point due{};            // when the head may be tried (again)
    Steady::time_point waiting_since{};  // since when the head has been waiting to complete
    bool busy = false;                   // a batch of it is being processed
    bool paused = false;
    bool reported_stuck = false;
};

std::string ce_id_of(const Message& m) {
    auto id = m.headers.get("ce_id");
    return id ? std::string(*id) : std::string("-");
}

// What dispatch() did with a message: the handler's result, or a skip by policy.
struct Dispatched {
    Result<void> result;
    bool skipped = false;
    std::optional<std::chrono::nanoseconds> handler_time;
};

}  // namespace

struct Router::Impl {
    RouterOptions options;
    broker::Subscriber& subscriber;
    broker::Publisher& dead_letters;
    const Clock& clock;

    // topic -> ce_type -> route; transparent comparators: no allocation per lookup.
    std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> routes;
    std::vector<Middleware> middleware;
    std::map<TopicPartition, PartitionState> partitions;  // polling thread only
    std::unique_ptr<WorkerPool> pool;

    std::mutex completions_mutex;
    std::condition_variable completed;
    std::vector<BatchResult> completions;

    std::mt19937_64 random{std::random_device{}()};
    std::size_t done_since_commit = 0;
    Steady::time_point last_commit = Steady::now();
    Steady::time_point last_poll_error_log{};

    struct Counters {
        std::atomic<uint64_t> handled{0}, skipped{0}, failed{0}, retried{0}, dead_lettered{0},
            dead_letter_failures{0}, commits{0};
    } counters;

    Impl(RouterOptions o, broker::Subscriber& s, broker::Publisher& d, const Clock& c)
        : options(std::move(o)), subscriber(s), dead_letters(d), clock(c) {}

    const Route* find_route(std::string_view topic, std::string_view type) const {
        auto t = routes.find(topic);
        if (t == routes.end()) return nullptr;
        if (auto r = t->second.find(type); r != t->second.end()) return &r->second;
        if (auto r = t->second.find(std::string_view("*")); r != t->second.end()) return &r->second;
        return nullptr;
    }

    // A replayed copy addressed to one group (courier replay --group) is done, unhandled, for
    // every other group: no middleware, no handler, committed past like any handled message.
    bool meant_for_another_group(const Message& m) const {
        auto target = m.headers.get(replay::kGroup);
        if (!target || *target == options.group) return false;
        spdlog::debug("group {} skips {} (ce_id {}): a replayed copy for group {}", options.group,
                      describe_position(m), ce_id_of(m), *target);
        return true;
    }

    // Counts an outcome and tells the observer.
    void observe(const Message& m, MessageOutcome outcome,
                 std::optional<std::chrono::nanoseconds> handler_time = std::nullopt) {
        counter(outcome).fetch_add(1, std::memory_order_relaxed);
        if (!options.observer) return;
        auto type = m.headers.get(ce::kType);
        try {
            options.observer(MessageObservation{m.topic,
                                                type && !type->empty() ? *type : std::string_view("unknown"),
                                                outcome, handler_time});
        } catch (const std::exception& e) {
            spdlog::warn("router observer of group {} failed on {}: {}", options.group, describe_position(m),
                         e.what());
        }
    }

    std::atomic<uint64_t>& counter(MessageOutcome outcome) {
        switch (outcome) {
            case MessageOutcome::handled:
                return counters.handled;
            case MessageOutcome::failed:
                return counters.failed;
            case MessageOutcome::dead_lettered:
                return counters.dead_lettered;
            case MessageOutcome::skipped:
                return counters.skipped;
            case MessageOutcome::retried:
                break;
        }
        return counters.retried;
    }

    // Runs the handler for one message; `handler_name` tells who failed, for dead-letter headers.
    Dispatched dispatch(const Message& m, int attempt, std::string& handler_name) {
        auto event = ce::read(m);
        if (!event) return {std::move(event).error(), false, std::nullopt};
        const Route* route = find_route(m.topic, event->type);
        if (route == nullptr) {
            if (options.unknown_type == UnknownTypePolicy::skip) return {{}, true, std::nullopt};
            return {Error::poison("consumer.unknown_type", "no handler for ce_type '" + event->type +
                                                               "' on topic " + m.topic + " in group " +
                                                               options.group),
                    false, std::nullopt};
        }
        handler_name = route->name;
        Context context{m, *event, options.group, route->name, attempt};
        const auto started = Steady::now();
        Dispatched done;
        try {
            done.result = route->chain(context);
        } catch (const std::exception& e) {
            done.result =
                Error::permanent("consumer.handler_threw", "handler " + route->name + " threw: " + e.what());
        }
        done.handler_time = Steady::now() - started;
        return done;
    }

    bool publish_dead_letter(const Message& m, const PendingDeadLetter& pending, int attempts,
                             const std::string& handler_name) {
        auto copy = dlq::make_copy(m, {pending.reason, pending.error, options.group,
                                       handler_name.empty() ? "-" : handler_name, std::max(1, attempts), clock.now()});
        auto target = copy.topic;
        auto future = dead_letters.publish(std::move(copy));
        try {
            if (future.wait_for(options.dead_letter_timeout) != std::future_status::ready) {
                throw CourierError(ErrorKind::transient,
                                   "no acknowledgement within " + std::to_string(options.dead_letter_timeout.count()) +
                                       " ms");
            }
            future.get();
        } catch (const std::exception& e) {
            counters.dead_letter_failures.fetch_add(1, std::memory_order_relaxed);
            spdlog::error("cannot dead-letter {} (ce_id {}) to {}: {} — the original stays uncommitted and is retried",
                          describe_position(m), ce_id_of(m), target, e.what());
            return false;
        }
        observe(m, MessageOutcome::dead_lettered);
        spdlog::warn("dead-lettered {} (ce_id {}, correlation {}) to {}: {} after {} attempt(s): {}", describe_position(m),
                     ce_id_of(m), m.headers.get("ce_correlationid").value_or("-"), target, pending.reason,
                     std::max(1, attempts), pending.error.describe());
        return true;
    }

    BatchResult process(Batch batch) {
        BatchResult result{batch.partition, std::nullopt, 0, {}, batch.attempts, std::move(batch.dead_letter),
                           std::nullopt};
        auto& queue = batch.messages;
        std::string handler_name;
        while (!queue.empty()) {
            Message& head = queue.front();
            if (result.dead_letter) {
                if (!publish_dead_letter(head, *result.dead_letter, result.attempts, handler_name)) break;
                result.dead_letter.reset();
            } else if (meant_for_another_group(head)) {
                observe(head, MessageOutcome::skipped);
            } else {
                int attempt = result.attempts + 1;
                handler_name.clear();
                auto dispatched = dispatch(head, attempt, handler_name);
                auto& outcome = dispatched.result;
                if (!outcome) {
                    observe(head, MessageOutcome::failed, dispatched.handler_time);
                    result.attempts = attempt;
                    result.last_error = outcome.error();
                    if (options.retry.should_retry(outcome.error(), attempt)) break;
                    auto reason = outcome.error().kind == ErrorKind::poison ? dlq::kReasonPoison
                                                                            : dlq::kReasonRetriesExhausted;
                    result.dead_letter = PendingDeadLetter{std::move(outcome).error(), std::string(reason)};
                    continue;  // dead-letter it now, in the branch above
                }
                if (dispatched.skipped) {
                    observe(head, MessageOutcome::skipped);
                } else {
                    observe(head, MessageOutcome::handled, dispatched.handler_time);
                }
            }
            result.attempts = 0;
            ++result.done_count;
            result.last_done = std::move(head.metadata);
            queue.pop_front();
        }
        result.remaining = std::move(queue);
        return result;
    }

    void apply(BatchResult result) {
        auto it = partitions.find(result.partition);
        if (it == partitions.end()) return;  // revoked while processing: its next owner redoes the rest
        auto& state = it->second;
        auto now = Steady::now();
        state.busy = false;
        if (result.last_done) {
            Message position;
            position.topic = result.partition.topic;
            position.metadata = std::move(result.last_done);
            subscriber.mark_done(position);
        }
        done_since_commit += result.done_count;
        if (result.done_count > 0) {
            state.waiting_since = now;
            state.reported_stuck = false;
        }
        state.attempts = result.attempts;
        state.dead_letter = std::move(result.dead_letter);
        if (result.last_error) state.last_error = std::move(result.last_error);
        if (!result.remaining.empty()) {
            // Messages fetched while the batch ran come after the ones it gave back.
            for (auto& m : state.queue) result.remaining.push_back(std::move(m));
            state.queue = std::move(result.remaining);
            auto delay = options.retry.backoff(std::max(1, state.attempts), random);
            state.due = now + delay;
            const auto& head = state.queue.front();
            observe(head, MessageOutcome::retried);
            spdlog::warn("{} (ce_id {}) failed attempt {}: {}; retrying in {} ms with the partition paused",
                         describe_position(head), ce_id_of(head), state.attempts,
                         state.dead_letter ? "dead-letter publish failed"
                                           : (state.last_error ? state.last_error->describe() : std::string("-")),
                         delay.count());
            pause(result.partition, state);
        } else if (state.queue.size() < options.max_batch) {
            resume(result.partition, state);
        }
    }

    void pause(const TopicPartition& tp, PartitionState& state) {
        if (state.paused) return;
        subscriber.pause({tp});
        state.paused = true;
    }

    void resume(const TopicPartition& tp, PartitionState& state) {
        if (!state.paused || state.attempts > 0 || state.dead_letter) return;
        subscriber.resume({tp});
        state.paused = false;
    }

    void apply_completions() {
        std::vector<BatchResult> ready;
        {
            std::lock_guard lock(completions_mutex);
            ready.swap(completions);
        }
        for (auto& r : ready) apply(std::move(r));
    }

    void wait_for_completion(std::chrono::milliseconds timeout) {
        std::unique_lock lock(completions_mutex);
        completed.wait_for(lock, timeout, [this] { return !completions.empty(); });
    }

    void schedule(Steady::time_point now) {
        for (auto& [tp, state] : partitions) {
            if (state.busy || state.queue.empty() || state.due > now) continue;
            Batch batch{tp, std::move(state.queue), state.attempts, std::move(state.dead_letter)};
            state.queue.clear();
            state.dead_letter.reset();
            state.busy = true;
            if (!pool) {
                apply(process(std::move(batch)));
                continue;
            }
            pool->submit([this, batch = std::move(batch)]() mutable {
                auto result = process(std::move(batch));
                {
                    std::lock_guard lock(completions_mutex);
                    completions.push_back(std::move(result));
                }
                completed.notify_all();
            });
        }
    }

    bool anything_busy() const {
        for (const auto& [tp, state] : partitions) {
            if (state.busy) return true;
        }
        return false;
    }

    void watchdog(Steady::time_point now) {
        if (options.stuck_after <= 0ms) return;
        for (auto& [tp, state] : partitions) {
            bool waiting = state.busy || !state.queue.empty();
            if (!waiting || now - state.waiting_since < options.stuck_after) continue;
            if (!state.reported_stuck) {
                state.reported_stuck = true;
                auto offset = state.queue.empty() ? std::string("(in a running handler)")
                                                  : std::to_string(state.queue.front().metadata->offset);
                spdlog::error("partition {}[{}] of group {} made no progress for {} ms; stuck at offset {}: {}", tp.topic,
                              tp.partition, options.group, options.stuck_after.count(), offset,
                              state.last_error ? state.last_error->describe() : std::string("no error yet"));
            }
            if (options.dead_letter_stuck && !state.busy && !state.dead_letter && !state.queue.empty()) {
                std::string last = state.last_error ? state.last_error->describe() : std::string("no error reported");
                state.dead_letter = PendingDeadLetter{
                    Error::poison("consumer.stuck", "no progress for " + std::to_string(options.stuck_after.count()) +
                                                        " ms; last error: " + last),
                    std::string(dlq::kReasonStuck)};
                state.due = now;
            }
        }
    }

    void maybe_commit(bool force) {
        if (done_since_commit == 0) return;
        auto now = Steady::now();
        if (!force && done_since_commit < options.commit_every && now - last_commit < options.commit_interval) return;
        if (auto committed = subscriber.commit(); !committed) {
            spdlog::warn("commit of group {} failed (will retry): {}", options.group, committed.error().describe());
            return;
        }
        counters.commits.fetch_add(1, std::memory_order_relaxed);
        done_since_commit = 0;
        last_commit = now;
    }

    void on_rebalance(const broker::RebalanceEvent& event) {
        if (event.kind == broker::RebalanceEvent::Kind::assigned) {
            auto now = Steady::now();
            for (const auto& tp : event.partitions) partitions.try_emplace(tp).first->second.waiting_since = now;
            return;
        }
        // Finish what is running on these partitions so its offsets are marked before the
        // subscriber commits them and gives the partitions up; the rest is redelivered.
        auto busy = [&] {
            for (const auto& tp : event.partitions) {
                if (auto it = partitions.find(tp); it != partitions.end() && it->second.busy) return true;
            }
            return false;
        };
        while (busy()) {
            wait_for_completion(50ms);
            apply_completions();
        }
        for (const auto& tp : event.partitions) partitions.erase(tp);
    }

    void accept(std::vector<Message> batch) {
        auto now = Steady::now();
        const TopicPartition* last = nullptr;  // messages come in runs of one partition
        PartitionState* state = nullptr;
        for (auto& m : batch) {
            if (!last || last->partition != m.metadata->partition || last->topic != m.topic) {
                auto it = partitions.try_emplace(TopicPartition{m.topic, m.metadata->partition}).first;
                last = &it->first;
                state = &it->second;
            }
            if (state->queue.empty() && !state->busy) state->waiting_since = now;
            state->queue.push_back(std::move(m));
            if (state->queue.size() >= 2 * options.max_batch) pause(*last, *state);  // bounded buffering
        }
    }

    std::chrono::milliseconds poll_timeout(Steady::time_point now) const {
        auto timeout = options.poll_timeout;
        for (const auto& [tp, state] : partitions) {
            if (state.busy) timeout = std::min(timeout, std::chrono::milliseconds(5));
            if (!state.queue.empty() && !state.busy) {
                auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(state.due - now);
                timeout = std::min(timeout, std::max(wait, 0ms));
            }
        }
        return timeout;
    }

    void build_chains() {
        for (auto& [topic, by_type] : routes) {
            for (auto& [type, route] : by_type) {
                Handler h = route.raw;
                for (auto m = middleware.rbegin(); m != middleware.rend(); ++m) h = (*m)(std::move(h));
                route.chain = std::move(h);
            }
        }
    }

    void shutdown() {
        auto deadline = Steady::now() + options.shutdown_timeout;
        for (;;) {
            apply_completions();
            auto now = Steady::now();
            bool work_left = false;
            for (const auto& [tp, state] : partitions) {
                if (state.busy || (!state.queue.empty() && state.due <= now)) work_left = true;
            }
            if (!work_left || now >= deadline) break;
            schedule(now);
            if (anything_busy()) wait_for_completion(50ms);
        }
        pool.reset();  // joins the workers; their last results are applied below
        apply_completions();
        maybe_commit(true);
        subscriber.close();
    }
};

Router::Router(RouterOptions options, broker::Subscriber& subscriber, broker::Publisher& dead_letters,
               const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), subscriber, dead_letters, clock)) {}

Router::~Router() = default;

Router& Router::handle(std::string name, std::string topic, std::string ce_type, Handler handler) {
    auto& by_type = impl_->routes[topic];
    if (by_type.contains(ce_type)) {
        throw ConfigError("two handlers for ce_type '" + ce_type + "' on topic " + topic,
                          "register each (topic, ce_type) once");
    }
    by_type.emplace(std::move(ce_type), Route{std::move(name), std::move(handler), {}});
    return *this;
}

Router& Router::use(Middleware middleware) {
    impl_->middleware.push_back(std::move(middleware));
    return *this;
}

void Router::run(std::stop_token stop) {
    auto& impl = *impl_;
    if (impl.routes.empty()) throw ConfigError("the router has no handlers", "register one with handle()");
    impl.build_chains();
    if (impl.options.parallelism > 1) impl.pool = std::make_unique<WorkerPool>(impl.options.parallelism);
    std::vector<std::string> topics;
    for (const auto& [topic, by_type] : impl.routes) topics.push_back(topic);
    impl.subscriber.on_rebalance([&impl](const broker::RebalanceEvent& e) { impl.on_rebalance(e); });
    impl.subscriber.subscribe(topics);
    spdlog::info("router of group {} consuming {} topic(s) with {} worker(s)", impl.options.group, topics.size(),
                 std::max<std::size_t>(1, impl.options.parallelism));

    while (!stop.stop_requested()) {
        impl.apply_completions();
        auto now = Steady::now();
        impl.schedule(now);
        impl.watchdog(now);
        impl.maybe_commit(false);
        auto batch = impl.subscriber.poll(impl.options.max_batch, impl.poll_timeout(Steady::now()));
        if (!batch) {
            if (Steady::now() - impl.last_poll_error_log > 5s) {
                spdlog::warn("group {}: {} (polling again)", impl.options.group, batch.error().describe());
                impl.last_poll_error_log = Steady::now();
            }
            continue;
        }
        impl.accept(std::move(batch).value());
    }
    impl.shutdown();
}

std::vector<std::string> Router::topics() const {
    std::vector<std::string> topics;
    for (const auto& [topic, by_type] : impl_->routes) topics.push_back(topic);
    return topics;
}

std::string_view to_string(MessageOutcome outcome) noexcept {
    switch (outcome) {
        case MessageOutcome::handled:
            return "handled";
        case MessageOutcome::failed:
            return "failed";
        case MessageOutcome::dead_lettered:
            return "dead_lettered";
        case MessageOutcome::skipped:
            return "skipped";
        case MessageOutcome::retried:
            break;
    }
    return "retried";
}

RouterStats Router::stats() const {
    const auto& c = impl_->counters;
    return {c.handled.load(), c.skipped.load(), c.failed.load(), c.retried.load(), c.dead_lettered.load(),
            c.dead_letter_failures.load(), c.commits.load()};
}

}  // namespace courier::consumers
