#include <gtest/gtest.h>

#include "courier/core/message.hpp"

using courier::Headers;

TEST(Headers, KeepInsertionOrderAndRepeatedNames) {
    Headers h;
    h.add("a", "1");
    h.add("b", "2");
    h.add("a", "3");
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h.get_all("a"), (std::vector<std::string_view>{"1", "3"}));
    EXPECT_EQ(h.begin()->name, "a");
    EXPECT_EQ((h.begin() + 1)->name, "b");
}

TEST(Headers, GetReturnsTheLastValueOfARepeatedName) {
    Headers h{{"x", "first"}, {"x", "second"}};
    EXPECT_EQ(h.get("x"), "second");
    EXPECT_FALSE(h.get("missing").has_value());
}

TEST(Headers, SetLeavesExactlyOneValueAtTheFirstPosition) {
    Headers h{{"traceparent", "old1"}, {"other", "o"}, {"traceparent", "old2"}};
    h.set("traceparent", "new");
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h.begin()->name, "traceparent");
    EXPECT_EQ(h.begin()->value, "new");
    EXPECT_EQ(h.get_all("traceparent").size(), 1u);
}

TEST(Headers, CarryBinaryValues) {
    std::string binary("\0\x01\xff", 3);
    Headers h;
    h.add("bin", binary);
    EXPECT_EQ(h.get("bin")->size(), 3u);
    EXPECT_EQ(*h.get("bin"), binary);
}

TEST(Headers, RemoveDropsEveryValueOfAName) {
    Headers h{{"a", "1"}, {"b", "2"}, {"a", "3"}};
    EXPECT_EQ(h.remove("a"), 2u);
    EXPECT_EQ(h.size(), 1u);
    EXPECT_EQ(h.remove("a"), 0u);
}
