#include "courier/consumers/middleware/validation.hpp"

namespace courier::consumers::middleware {

Middleware validation(MessageCheck check) {
    return [check = std::move(check)](Handler next) -> Handler {
        return [check, next = std::move(next)](Context& context) -> Result<void> {
            if (auto valid = check(context.message); !valid) return valid;
            return next(context);
        };
    };
}

}  // namespace courier::consumers::middleware
