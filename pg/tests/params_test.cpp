#include "courier/pg/params.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>

using courier::pg::Bytea;
using courier::pg::Param;
using courier::pg::Params;

TEST(Param, SendsNumbersAndBooleansInPostgresqlTextForm) {
    EXPECT_EQ(Param(int32_t{-7}).value(), "-7");
    EXPECT_EQ(Param(std::numeric_limits<int64_t>::max()).value(), "9223372036854775807");
    EXPECT_EQ(Param(uint16_t{65535}).value(), "65535");
    EXPECT_EQ(Param(true).value(), "t");
    EXPECT_EQ(Param(false).value(), "f");
    EXPECT_EQ(Param(0.1).value(), "0.1");
}

TEST(Param, KeepsTextVerbatimAndOwnsIt) {
    std::string text = "it's; DROP TABLE x; --";
    Param param(text);
    text.assign("changed");
    EXPECT_EQ(param.value(), "it's; DROP TABLE x; --");
    EXPECT_FALSE(param.is_binary());
    EXPECT_EQ(Param(std::string_view("view")).value(), "view");
    EXPECT_EQ(Param("literal").value(), "literal");
}

TEST(Param, RepresentsNullThreeWays) {
    EXPECT_TRUE(Param(std::nullopt).is_null());
    EXPECT_TRUE(Param(std::optional<int64_t>{}).is_null());
    EXPECT_TRUE(Param(static_cast<const char*>(nullptr)).is_null());
    EXPECT_EQ(Param(std::optional<int64_t>{5}).value(), "5");
}

TEST(Param, SendsByteaAsBinary) {
    const std::string bytes("\0\x01\xff", 3);
    Param param(Bytea{bytes});
    EXPECT_TRUE(param.is_binary());
    EXPECT_EQ(param.value(), bytes);
}

TEST(Params, BuildFromABracedListOfMixedTypes) {
    const std::string name = "alice";
    const Params params{name, 42, std::nullopt, true, "x"};
    ASSERT_EQ(params.size(), 5u);
    EXPECT_EQ(params[0].value(), "alice");
    EXPECT_EQ(params[1].value(), "42");
    EXPECT_TRUE(params[2].is_null());
    EXPECT_EQ(params[3].value(), "t");
    EXPECT_EQ(params[4].value(), "x");
}
