#pragma once

#include <chrono>

#include "courier/consumers/context.hpp"

namespace courier::consumers::middleware {

/// Gives each handler call a deadline (Context::deadline). A C++ function cannot be stopped
/// from outside safely, so the deadline is cooperative: the inbox turns it into a
/// statement_timeout, long-running handlers check it, and a call that returns after the deadline
/// fails as transient ("handler.timeout") — its transaction, if any, is rolled back by the inbox
/// (place the timeout inside the inbox) and the message is retried.
Middleware timeout(std::chrono::milliseconds limit);

}  // namespace courier::consumers::middleware
