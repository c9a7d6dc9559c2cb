#pragma once
// What a handler sees, and the shapes of handlers and middleware (Watermill's model).

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "courier/core/cloud_events.hpp"
#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::pg {
class Transaction;
}

namespace courier::consumers {

/// One delivery of one message to one handler. Lives for the duration of the call.
struct Context {
    const Message& message;
    const ce::Attributes& event;  ///< the CloudEvents attributes, already read and checked
    const std::string& group;     ///< consumer group of the router
    const std::string& handler;   ///< name the handler was registered under
    int attempt = 1;              ///< 1 on the first delivery, 2 on the first retry, ...
    /// Set by the inbox middleware: the PostgreSQL transaction the handler's writes must join,
    /// so they commit together with the inbox row (exactly-once effects), or not at all.
    pg::Transaction* transaction = nullptr;
    /// Set by the timeout middleware: when the handler should give up. Handlers doing long work
    /// check it; the inbox also turns it into a statement_timeout for the transaction.
    std::optional<std::chrono::steady_clock::time_point> deadline{};
};

/// Handles one message. Return an Error to fail it: transient → retried with backoff while its
/// partition waits (never dead-lettered); permanent → retried up to the policy's attempts, then
/// dead-lettered; poison → dead-lettered at once. A thrown exception counts as permanent.
/// Called on a router thread; messages of one partition never overlap.
using Handler = std::function<Result<void>(Context&)>;

/// Wraps a handler; middleware compose outermost first.
using Middleware = std::function<Handler(Handler next)>;

}  // namespace courier::consumers
