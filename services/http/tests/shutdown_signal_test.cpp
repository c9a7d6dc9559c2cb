#include "courier/http/shutdown_signal.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>

namespace courier::http {
namespace {

using namespace std::chrono_literals;

// The state is process-wide and one-way, so each scenario runs in a child process (a gtest death
// test that exits 0 on success), which keeps the tests repeatable and independent. Scenarios return
// before exiting so their threads are joined.

#define CHECK_OR_EXIT(condition)                                    \
    do {                                                            \
        if (!(condition)) {                                         \
            std::fprintf(stderr, "check failed: %s\n", #condition); \
            std::_Exit(1);                                          \
        }                                                           \
    } while (false)

void first_sigterm_wakes_every_waiter() {
    ShutdownSignal signal;
    CHECK_OR_EXIT(!signal.requested());
    CHECK_OR_EXIT(!signal.wait_for(20ms));

    auto first = std::async(std::launch::async, [] { ShutdownSignal().wait(); });
    auto second = std::async(std::launch::async, [] { return ShutdownSignal().wait_for(10s); });
    CHECK_OR_EXIT(first.wait_for(50ms) == std::future_status::timeout);

    CHECK_OR_EXIT(std::raise(SIGTERM) == 0);
    CHECK_OR_EXIT(signal.requested());
    CHECK_OR_EXIT(signal.signal_number() == SIGTERM);
    CHECK_OR_EXIT(first.wait_for(5s) == std::future_status::ready);
    CHECK_OR_EXIT(second.get());
    signal.wait();  // returns at once from now on
    CHECK_OR_EXIT(signal.wait_for(0ms));
}

void request_from_code() {
    ShutdownSignal signal;
    auto waiter = std::async(std::launch::async, [] { ShutdownSignal().wait(); });
    signal.request();
    CHECK_OR_EXIT(waiter.wait_for(5s) == std::future_status::ready);
    CHECK_OR_EXIT(signal.requested());
    CHECK_OR_EXIT(signal.signal_number() == 0);
}

void second_signal() {
    ShutdownSignal signal;
    std::raise(SIGINT);
    CHECK_OR_EXIT(signal.requested());
    std::raise(SIGINT);  // does not return: the default action ends the process
}

class ShutdownSignalTest : public ::testing::Test {
protected:
    void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ShutdownSignalTest, TurnsTheFirstSigtermIntoARequestThatWakesEveryWaiter) {
    EXPECT_EXIT((first_sigterm_wakes_every_waiter(), std::exit(0)), ::testing::ExitedWithCode(0), "");
}

TEST_F(ShutdownSignalTest, CanBeRequestedFromCode) {
    EXPECT_EXIT((request_from_code(), std::exit(0)), ::testing::ExitedWithCode(0), "");
}

TEST_F(ShutdownSignalTest, LetsASecondSignalEndTheProcessTheDefaultWay) {
    EXPECT_EXIT((second_signal(), std::exit(0)), ::testing::KilledBySignal(SIGINT), "");
}

}  // namespace
}  // namespace courier::http
