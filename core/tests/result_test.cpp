#include <gtest/gtest.h>

#include "courier/core/errors.hpp"
#include "courier/core/result.hpp"

using courier::Error;
using courier::Result;

namespace {
Result<int> parse_positive(int x) {
    if (x <= 0) return Error::poison("demo.not_positive", "got " + std::to_string(x));
    return x;
}
}  // namespace

TEST(Result, HoldsAValueOrAnErrorWithItsKind) {
    auto ok = parse_positive(3);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, 3);
    auto bad = parse_positive(-1);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, courier::ErrorKind::poison);
    EXPECT_EQ(bad.error().describe(), "demo.not_positive: got -1");
}

TEST(Result, VoidResultsDefaultToSuccess) {
    Result<void> ok;
    EXPECT_TRUE(ok);
    Result<void> failed = Error::transient("pg.08006", "connection lost");
    EXPECT_FALSE(failed);
    EXPECT_TRUE(failed.error().retriable());
}

TEST(CourierError, WhatEndsWithTheHint) {
    courier::ConfigError e("no brokers configured", "pass -b host:port");
    EXPECT_STREQ(e.what(), "no brokers configured (hint: pass -b host:port)");
    EXPECT_EQ(e.message(), "no brokers configured");
}
