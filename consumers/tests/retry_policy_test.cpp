#include <gtest/gtest.h>

#include "courier/consumers/retry_policy.hpp"

using namespace std::chrono_literals;
using courier::Error;
using courier::consumers::RetryPolicy;

TEST(RetryPolicy, BackoffGrowsExponentiallyWithinTheJitterAndStopsAtTheMaximum) {
    RetryPolicy p;
    p.initial_backoff = 100ms;
    p.max_backoff = 1000ms;
    p.multiplier = 2.0;
    p.jitter = 0.2;
    std::mt19937_64 random(42);
    for (int i = 0; i < 100; ++i) {
        auto first = p.backoff(1, random);
        EXPECT_GE(first, 80ms);
        EXPECT_LE(first, 120ms);
        auto third = p.backoff(3, random);
        EXPECT_GE(third, 320ms);
        EXPECT_LE(third, 480ms);
        EXPECT_LE(p.backoff(30, random), 1200ms);
    }
}

TEST(RetryPolicy, TransientErrorsAlwaysRetryPermanentOnesUpToTheLimitPoisonNever) {
    RetryPolicy p;
    p.max_permanent_attempts = 3;
    EXPECT_TRUE(p.should_retry(Error::transient("x", "y"), 1000));
    EXPECT_TRUE(p.should_retry(Error::permanent("x", "y"), 2));
    EXPECT_FALSE(p.should_retry(Error::permanent("x", "y"), 3));
    EXPECT_FALSE(p.should_retry(Error::poison("x", "y"), 1));
}
