#include <gtest/gtest.h>

#include <thread>

#include "courier/consumers/middleware/timeout.hpp"
#include "courier/consumers/middleware/tracing_hook.hpp"
#include "courier/consumers/middleware/validation.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::consumers;

namespace {
struct Call {
    Message message;
    ce::Attributes event;
    std::string group = "g";
    std::string handler = "h";
    Context context{message, event, group, handler};
};
}  // namespace

TEST(ValidationMiddleware, AnInvalidMessageNeverReachesTheHandler) {
    bool reached = false;
    auto handler = middleware::validation([](const Message& m) -> Result<void> {
        if (m.payload.empty()) return Error::poison("schema.invalid", "empty payload");
        return {};
    })([&](Context&) -> Result<void> {
        reached = true;
        return {};
    });
    Call call;
    auto result = handler(call.context);
    EXPECT_FALSE(reached);
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
    call.message.payload = "{}";
    EXPECT_TRUE(handler(call.context));
    EXPECT_TRUE(reached);
}

TEST(TimeoutMiddleware, SetsADeadlineAndFailsACallThatOverranItAsTransient) {
    auto slow = middleware::timeout(20ms)([](Context& c) -> Result<void> {
        EXPECT_TRUE(c.deadline.has_value());
        std::this_thread::sleep_for(40ms);
        return {};
    });
    Call call;
    auto result = slow(call.context);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "handler.timeout");
    EXPECT_TRUE(result.error().retriable());
    auto quick = middleware::timeout(1000ms)([](Context&) -> Result<void> { return {}; });
    Call other;
    EXPECT_TRUE(quick(other.context));
}

TEST(TracingHookMiddleware, CallsStartAndFinishAroundTheHandlerWithItsOutcome) {
    std::vector<std::string> order;
    middleware::TracingHooks hooks;
    hooks.start = [&](Context&) { order.push_back("start"); };
    hooks.finish = [&](Context&, const Result<void>& r) { order.push_back(r ? "finish-ok" : "finish-error"); };
    auto handler = middleware::tracing_hook(hooks)([&](Context&) -> Result<void> {
        order.push_back("handler");
        return Error::permanent("x", "y");
    });
    Call call;
    (void)handler(call.context);
    EXPECT_EQ(order, (std::vector<std::string>{"start", "handler", "finish-error"}));
}
