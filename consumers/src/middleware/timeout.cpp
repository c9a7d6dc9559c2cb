#include "courier/consumers/middleware/timeout.hpp"

namespace courier::consumers::middleware {

Middleware timeout(std::chrono::milliseconds limit) {
    return [limit](Handler next) -> Handler {
        return [limit, next = std::move(next)](Context& context) -> Result<void> {
            auto deadline = std::chrono::steady_clock::now() + limit;
            if (!context.deadline || deadline < *context.deadline) context.deadline = deadline;
            auto result = next(context);
            if (result && std::chrono::steady_clock::now() > deadline) {
                return Error::transient("handler.timeout", "handler " + context.handler + " took longer than " +
                                                               std::to_string(limit.count()) + " ms");
            }
            return result;
        };
    };
}

}  // namespace courier::consumers::middleware
