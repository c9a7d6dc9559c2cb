#pragma once

#include <functional>

#include "courier/consumers/context.hpp"

namespace courier::consumers::middleware {

/// Called around each handler call: `start` before (may return a token, e.g. a span), `finish`
/// after with the outcome. The tracing component plugs in here; with no hooks it is a no-op.
struct TracingHooks {
    std::function<void(Context&)> start;
    std::function<void(Context&, const Result<void>&)> finish;
};

Middleware tracing_hook(TracingHooks hooks);

}  // namespace courier::consumers::middleware
