#include "courier/broker/memory/partitioner.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

using courier::broker::memory::murmur2;
using courier::broker::memory::partition_for_key;

namespace {

struct Vector {
    std::string_view key;
    uint32_t hash;  // the Java int's bits
};

// Kafka's own expectations (clients/.../common/utils/UtilsTest.java, testMurmur2) and
// librdkafka's (src/rdmurmur2.c, unittest_murmur2, "checked against the Java client").
constexpr Vector kKafkaVectors[] = {
    {"21", static_cast<uint32_t>(-973932308)},
    {"foobar", static_cast<uint32_t>(-790332482)},
    {"a-little-bit-long-string", static_cast<uint32_t>(-985981536)},
    {"a-little-bit-longer-string", static_cast<uint32_t>(-1486304829)},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", static_cast<uint32_t>(-58897971)},
    {"abc", 479470107U},
};
constexpr Vector kLibrdkafkaVectors[] = {
    {"kafka", 0xd067cf64U},
    {"giberish123456789", 0x8f552b0cU},
    {"1234", 0x9fc97b14U},
    {"234", 0xe7c009caU},
    {"34", 0x873930daU},
    {"4", 0x5a4b5ca1U},
    {"PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424f1cU},
    {"reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62b377U},
    {"eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4e09eU},
    {"AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8b43fU},
    {"", 0x106e08d9U},
};

}  // namespace

TEST(Murmur2, MatchesKafkasOwnTestVectors) {
    for (const auto& v : kKafkaVectors) EXPECT_EQ(murmur2(v.key), v.hash) << "key '" << v.key << "'";
}

TEST(Murmur2, MatchesLibrdkafkasTestVectorsIncludingTheEmptyKey) {
    for (const auto& v : kLibrdkafkaVectors) EXPECT_EQ(murmur2(v.key), v.hash) << "key '" << v.key << "'";
}

TEST(Murmur2, HashesEveryTailLengthAndHighBytesAsJavaDoes) {
    // From a separate transcription of Utils.murmur2 with Java int arithmetic (it reproduces every
    // vector above): "a" takes the 1-byte tail only; bytes >= 0x80 must be read unsigned
    // ((data[i] & 0xff) in Java), which a signed-char implementation gets wrong.
    EXPECT_EQ(murmur2("a"), 0xa2d0b27cU);
    EXPECT_EQ(murmur2(std::string_view("\xff\xfe\x80", 3)), 0xf66b8283U);
    EXPECT_EQ(murmur2(std::string_view("\0", 1)), murmur2(std::string_view("\0", 1)));
    EXPECT_NE(murmur2(std::string_view("\0", 1)), murmur2(""));
}

TEST(PartitionForKey, AgreesWithKafkasFormulaForEveryPartitionCount) {
    for (const auto& v : kKafkaVectors) {
        for (int32_t partitions = 1; partitions <= 64; ++partitions) {
            EXPECT_EQ(partition_for_key(v.key, partitions),
                      static_cast<int32_t>((v.hash & 0x7fffffffU) % static_cast<uint32_t>(partitions)))
                << "key '" << v.key << "' over " << partitions;
        }
    }
}

TEST(PartitionForKey, PlacesKnownKeysWhereTheJavaClientDoes) {
    // toPositive(murmur2(key)) % n, with the hashes above.
    EXPECT_EQ(partition_for_key("kafka", 12), 4);
    EXPECT_EQ(partition_for_key("foobar", 12), 6);
    EXPECT_EQ(partition_for_key("abc", 6), 3);
    EXPECT_EQ(partition_for_key("", 12), 9);
    EXPECT_EQ(partition_for_key("a-little-bit-longer-string", 12), 11);
    EXPECT_EQ(partition_for_key("anything", 1), 0);
}
