#pragma once

#include <functional>

#include "courier/consumers/context.hpp"

namespace courier::consumers::middleware {

/// Checks a message before its handler (e.g. against its JSON Schema by ce_type). The check
/// returns a poison Error for an invalid message, which is then dead-lettered with its detail.
using MessageCheck = std::function<Result<void>(const Message&)>;

/// Runs `check` first; only valid messages reach the handler.
Middleware validation(MessageCheck check);

}  // namespace courier::consumers::middleware
