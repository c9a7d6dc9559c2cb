// The relay's backoff: exponential, capped, jittered within bounds.

#include "backoff.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using courier::outbox::detail::Backoff;

TEST(Backoff, DoublesPerFailureWithinItsJitter) {
    Backoff backoff(100ms, 30s, 0.2);
    std::mt19937_64 random(7);
    for (int failures = 1; failures <= 6; ++failures) {
        const double base = 100.0 * (1 << (failures - 1));
        for (int i = 0; i < 50; ++i) {
            const auto d = backoff.delay(failures, random);
            EXPECT_GE(d.count(), static_cast<int64_t>(base * 0.8) - 1) << failures;
            EXPECT_LE(d.count(), static_cast<int64_t>(base * 1.2) + 1) << failures;
        }
    }
}

TEST(Backoff, NeverExceedsItsCapHoweverManyFailures) {
    Backoff backoff(100ms, 1s, 0.2);
    std::mt19937_64 random(7);
    for (int failures : {10, 20, 64, 1000}) {
        for (int i = 0; i < 50; ++i) EXPECT_LE(backoff.delay(failures, random), 1s);
        EXPECT_GE(backoff.delay(failures, random), 800ms);
    }
}

TEST(Backoff, TreatsZeroFailuresAsTheFirst) {
    Backoff backoff(100ms, 1s, 0.0);
    std::mt19937_64 random(7);
    EXPECT_EQ(backoff.delay(0, random), 100ms);
    EXPECT_EQ(backoff.delay(1, random), 100ms);
    EXPECT_EQ(backoff.delay(2, random), 200ms);
}
