#include "courier/http/shutdown_signal.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <future>

namespace courier::http {
namespace {

using namespace std::chrono_literals;

// The state is process-wide and one-way, so one test covers the whole life cycle (and only one
// signal is ever raised: a second would end the process by design).
TEST(ShutdownSignal, TurnsTheFirstSigtermIntoARequestThatWakesEveryWaiter) {
    ShutdownSignal signal;
    ASSERT_FALSE(signal.requested());
    EXPECT_FALSE(signal.wait_for(20ms));

    auto first = std::async(std::launch::async, [] { ShutdownSignal().wait(); });
    auto second = std::async(std::launch::async, [] { return ShutdownSignal().wait_for(10s); });
    EXPECT_EQ(first.wait_for(50ms), std::future_status::timeout);

    ASSERT_EQ(std::raise(SIGTERM), 0);
    EXPECT_TRUE(signal.requested());
    EXPECT_EQ(signal.signal_number(), SIGTERM);
    ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(second.get());
    signal.wait();  // returns at once from now on
    signal.request();  // harmless when already requested
    EXPECT_EQ(signal.signal_number(), SIGTERM);
}

}  // namespace
}  // namespace courier::http
