#pragma once
// Subscribes a consumer group to topics and dispatches each message by topic and ce_type to its
// handler, through middleware; retries, dead-letters, and commits only what is done.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "courier/broker/publisher.hpp"
#include "courier/broker/subscriber.hpp"
#include "courier/consumers/context.hpp"
#include "courier/consumers/retry_policy.hpp"
#include "courier/core/clock.hpp"

namespace courier::consumers {

/// What to do with a message whose ce_type no handler of its topic takes.
enum class UnknownTypePolicy {
    dead_letter,  ///< poison: the group subscribed to the topic but cannot read this message
    skip,         ///< commit past it (for topics that carry types this group ignores)
};

/// What became of a message, as RouterStats counts it.
enum class MessageOutcome {
    handled,        ///< its handler succeeded
    failed,         ///< one attempt failed (the handler returned an error, or the message is unreadable)
    dead_lettered,  ///< its copy was acknowledged by the dead-letter topic
    skipped,        ///< committed past unhandled: an unknown type under UnknownTypePolicy::skip, or
                    ///< a replayed copy meant for another group
    retried,        ///< a retry of it was scheduled (its partition paused meanwhile)
};

/// "handled", "failed", "dead_lettered", "skipped", "retried".
std::string_view to_string(MessageOutcome outcome) noexcept;

/// One outcome, as reported to RouterOptions::observer. The views are valid during the call only.
struct MessageObservation {
    std::string_view topic;
    std::string_view type;  ///< the message's ce_type header; "unknown" when it has none
    MessageOutcome outcome;
    /// How long the handler with its middleware took (for handled and failed attempts that
    /// reached a handler); empty otherwise.
    std::optional<std::chrono::nanoseconds> handler_time;
};

/// Sees every outcome the router counts, e.g. to feed per-topic metrics. Called on the thread that
/// processed the message (the polling thread or a worker), so it must be thread-safe; it should be
/// quick. An exception it throws is logged and otherwise ignored.
using RouterObserver = std::function<void(const MessageObservation&)>;

struct RouterOptions {
    std::string group;  ///< the subscriber's consumer group, for headers and logs
    std::size_t max_batch = 500;
    std::chrono::milliseconds poll_timeout{100};
    /// Commit when this many messages are done, or when `commit_interval` has passed.
    std::size_t commit_every = 500;
    std::chrono::milliseconds commit_interval{1000};
    RetryPolicy retry;
    UnknownTypePolicy unknown_type = UnknownTypePolicy::dead_letter;
    /// Poison-pill watchdog: a partition whose head message has not completed for this long is
    /// logged with its offset; with `dead_letter_stuck`, that message is dead-lettered
    /// (reason "stuck") at its next attempt. Zero turns the watchdog off.
    std::chrono::milliseconds stuck_after{0};
    bool dead_letter_stuck = false;
    /// How long a dead-letter publish may take before it counts as failed (then the original is
    /// not committed and the partition retries with backoff). Give the dead-letter publisher a
    /// shorter message.timeout.ms, or a copy that was only late may land besides the retried one.
    std::chrono::milliseconds dead_letter_timeout{10000};
    /// On stop: time to finish what was fetched before committing and leaving the group.
    std::chrono::milliseconds shutdown_timeout{10000};
    /// Threads handling messages. 1 handles them on the polling thread; more spread partitions
    /// over that many workers, one partition never on two at once (per-partition order kept).
    std::size_t parallelism = 1;
    /// Optional; see RouterObserver.
    RouterObserver observer = {};
};

/// Counters since start; readable from any thread.
struct RouterStats {
    uint64_t handled = 0;        ///< handler returned success
    uint64_t skipped = 0;  ///< unknown types skipped by policy, and replayed copies meant for another group
    uint64_t failed = 0;         ///< handler attempts that returned an error
    uint64_t retried = 0;        ///< retries scheduled
    uint64_t dead_lettered = 0;  ///< copies acknowledged by the dead-letter topic
    uint64_t dead_letter_failures = 0;
    uint64_t commits = 0;
};

/// The consumer runtime. Construct, register handlers and middleware, then run() on the thread
/// that owns the subscriber. Not thread-safe apart from stats(); handlers run on the polling
/// thread or on worker threads (see RouterOptions::parallelism).
class Router {
public:
    /// `subscriber` (not yet subscribed) and `dead_letters` must outlive the router.
    Router(RouterOptions options, broker::Subscriber& subscriber, broker::Publisher& dead_letters,
           const Clock& clock = SystemClock::instance());
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    /// Routes messages of `topic` whose ce_type is `ce_type` ("*" for any) to `handler`.
    /// Throws ConfigError for a duplicate (topic, ce_type). Call before run().
    Router& handle(std::string name, std::string topic, std::string ce_type, Handler handler);
    /// Adds middleware around every handler; the first added is the outermost. Before run().
    Router& use(Middleware middleware);

    /// Subscribes and processes until `stop` is requested, then stops fetching, finishes what it
    /// holds (up to shutdown_timeout), commits and leaves the group. Blocks. Throws ConfigError
    /// when no handler is registered; broker errors are logged and retried, never thrown.
    void run(std::stop_token stop);

    RouterStats stats() const;

    /// The topics that have handlers, sorted: what run() subscribes to. Not thread-safe with
    /// handle(); call it before run() starts or from the thread that registers handlers.
    std::vector<std::string> topics() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::consumers
