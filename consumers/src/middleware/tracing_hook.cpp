#include "courier/consumers/middleware/tracing_hook.hpp"

namespace courier::consumers::middleware {

Middleware tracing_hook(TracingHooks hooks) {
    return [hooks = std::move(hooks)](Handler next) -> Handler {
        if (!hooks.start && !hooks.finish) return next;
        return [hooks, next = std::move(next)](Context& context) -> Result<void> {
            if (hooks.start) hooks.start(context);
            auto result = next(context);
            if (hooks.finish) hooks.finish(context, result);
            return result;
        };
    };
}

}  // namespace courier::consumers::middleware
