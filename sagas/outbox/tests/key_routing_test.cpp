// Shards and writer locks: stable, spread, and the same for every row of a key.

#include "courier/outbox/key_routing.hpp"

#include <gtest/gtest.h>

#include <array>

using namespace courier::outbox;

TEST(KeyRouting, GivesEveryRowOfAKeyTheSameShardAndLock) {
    const auto a = route("store.order.events", std::string("order-42"));
    const auto b = route("store.order.events", std::string("order-42"));
    EXPECT_EQ(a, b);
    ASSERT_TRUE(a.lock.has_value());
    EXPECT_GE(a.shard, 0);
    EXPECT_LT(a.shard, kShards);
}

TEST(KeyRouting, IsStableAcrossBuildsAndProcesses) {
    // Rows already in a database, and writers in other processes, depend on these exact values:
    // a change of the hash is a breaking change of the table's layout.
    EXPECT_EQ(route("store.order.events", std::string("order-1")), (KeyRoute{3, -731292761}));
    EXPECT_EQ(route("store.order.events", std::string("order-2")), (KeyRoute{0, -658268893}));
    EXPECT_EQ(route("store.order.events", std::nullopt), (KeyRoute{2, std::nullopt}));
}

TEST(KeyRouting, SeparatesTopicsAndTellsNoKeyFromAnEmptyKey) {
    const auto no_key = route("t", std::nullopt);
    EXPECT_FALSE(no_key.lock.has_value()) << "messages without a key never wait for each other";
    const auto empty_key = route("t", std::string());
    ASSERT_TRUE(empty_key.lock.has_value());
    EXPECT_NE(route("ab", std::string("c")).lock, route("a", std::string("bc")).lock);
}

TEST(KeyRouting, SpreadsSimilarKeysEvenlyOverTheShards) {
    std::array<int, kShards> counts{};
    const int keys = 16000;
    for (int i = 0; i < keys; ++i)
        ++counts[static_cast<std::size_t>(route("orders", "order-" + std::to_string(i)).shard)];
    for (int c : counts) {
        EXPECT_GT(c, keys / kShards * 8 / 10);
        EXPECT_LT(c, keys / kShards * 12 / 10);
    }
}
