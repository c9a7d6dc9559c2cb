// courier produce/consume against real Kafka, interoperating with kcat in both directions.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <array>
#include <cstdio>
#include <sstream>
#include <sys/wait.h>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/testing/environment.hpp"

namespace {

using courier::testing::kafka_bootstrap;
using courier::testing::unique_name;

struct Output {
    int code;
    std::string out;
};

// Runs a shell pipeline; stderr passes through to the test log.
Output sh(const std::string& command) {
    std::array<char, 4096> buffer{};
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return {-1, ""};
    while (auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
    int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

std::string courier_bin() { return std::string(COURIER_BINARY) + " "; }

std::string new_topic(int partitions = 1) {
    auto topic = unique_name("cli");
    courier::Properties p;
    p.set("bootstrap.servers", kafka_bootstrap());
    courier::broker::kafka::KafkaAdmin(p).create_topic({topic, partitions, 1, {}});
    return topic;
}

}  // namespace

TEST(KcatInterop, CourierReadsWhatKcatProducedWithKeysAndHeaders) {
    auto topic = new_topic();
    auto b = kafka_bootstrap();
    auto produced = sh("printf 'k1:v1\\nk2:v2\\n' | kcat -P -b " + b + " -t " + topic + " -K: -H a=1 -H b=2");
    ASSERT_EQ(produced.code, 0);
    auto consumed = sh(courier_bin() + "consume -q -J -e -b " + b + " -t " + topic);
    ASSERT_EQ(consumed.code, 0);
    auto records = lines(consumed.out);
    ASSERT_EQ(records.size(), 2u) << consumed.out;
    rapidjson::Document d;
    d.Parse(records[1].c_str());
    ASSERT_FALSE(d.HasParseError()) << records[1];
    EXPECT_STREQ(d["key"].GetString(), "k2");
    EXPECT_STREQ(d["value"].GetString(), "v2");
    EXPECT_EQ(d["offset"].GetInt64(), 1);
    ASSERT_EQ(d["headers"].Size(), 2u);
    EXPECT_STREQ(d["headers"][0]["name"].GetString(), "a");
    EXPECT_STREQ(d["headers"][0]["value"].GetString(), "1");
    EXPECT_STREQ(d["headers"][1]["name"].GetString(), "b");
}

TEST(KcatInterop, KcatReadsWhatCourierProducedWithKeysAndRepeatedHeaders) {
    auto topic = new_topic();
    auto b = kafka_bootstrap();
    auto produced = sh("printf 'order-1:{\"n\":1}\\norder-2:{\"n\":2}\\n' | " + courier_bin() + "produce -q -b " + b +
                       " -t " + topic + " -K: -H x=y -H x=z");
    ASSERT_EQ(produced.code, 0);
    auto consumed = sh("kcat -C -q -e -J -b " + b + " -t " + topic);
    ASSERT_EQ(consumed.code, 0);
    auto records = lines(consumed.out);
    ASSERT_EQ(records.size(), 2u) << consumed.out;
    rapidjson::Document d;
    d.Parse(records[0].c_str());
    ASSERT_FALSE(d.HasParseError()) << records[0];
    EXPECT_STREQ(d["key"].GetString(), "order-1");
    EXPECT_STREQ(d["payload"].GetString(), "{\"n\":1}");
    ASSERT_TRUE(d["headers"].IsArray()) << records[0];
    ASSERT_EQ(d["headers"].Size(), 4u) << "kcat lists headers as name, value, name, value";
    EXPECT_STREQ(d["headers"][0].GetString(), "x");
    EXPECT_STREQ(d["headers"][1].GetString(), "y");
    EXPECT_STREQ(d["headers"][3].GetString(), "z");
}

TEST(KcatInterop, ConsumeJsonOutputFeedsProduceAndCopiesRecordsExactly) {
    auto source = new_topic();
    auto target = new_topic();
    auto b = kafka_bootstrap();
    ASSERT_EQ(sh("printf 'a:1\\nb:2\\nc:3\\n' | kcat -P -b " + b + " -t " + source + " -K: -H h=v").code, 0);
    auto copied = sh(courier_bin() + "consume -q -J -e -b " + b + " -t " + source + " | " + courier_bin() +
                     "produce -q -J -b " + b + " -t " + target);
    ASSERT_EQ(copied.code, 0);
    auto original = sh(courier_bin() + "consume -q -e -b " + b + " -t " + source + " -f '%k=%s|%h\\n'");
    auto copy = sh(courier_bin() + "consume -q -e -b " + b + " -t " + target + " -f '%k=%s|%h\\n'");
    EXPECT_EQ(original.out, "a=1|h=v\nb=2|h=v\nc=3|h=v\n");
    EXPECT_EQ(copy.out, original.out);
}

TEST(KcatInterop, AGroupConsumerCommitsWhatItPrintedAndTheNextRunContinues) {
    auto topic = new_topic(2);
    auto b = kafka_bootstrap();
    auto group = unique_name("g");
    ASSERT_EQ(sh("seq 1 10 | " + courier_bin() + "produce -q -b " + b + " -t " + topic).code, 0);
    auto first = sh(courier_bin() + "consume -q -c 4 -G " + group + " -b " + b + " -t " + topic);
    ASSERT_EQ(first.code, 0);
    auto rest = sh(courier_bin() + "consume -q -e -G " + group + " -b " + b + " -t " + topic);
    ASSERT_EQ(rest.code, 0);
    EXPECT_EQ(lines(first.out).size(), 4u);
    EXPECT_EQ(lines(rest.out).size(), 6u) << "the second member starts where the first committed";
}

TEST(KcatInterop, AnUnreachableBrokerFailsWithinSecondsWithAClearMessage) {
    auto result = sh("echo x | timeout 60 " + courier_bin() + "produce -b 127.0.0.1:1 -t nowhere 2>&1");
    EXPECT_EQ(result.code, 1) << "exit 124 would mean it hung: " << result.out;
    EXPECT_NE(result.out.find("hint: is the broker running"), std::string::npos) << result.out;
    auto consume = sh("timeout 60 " + courier_bin() + "consume -b 127.0.0.1:1 -t nowhere 2>&1");
    EXPECT_EQ(consume.code, 1) << consume.out;
}

TEST(KcatInterop, AMissingTopicIsNamedInTheError) {
    auto result = sh("echo x | " + courier_bin() + "produce -b " + kafka_bootstrap() + " -t no-such-topic-xyz 2>&1");
    EXPECT_EQ(result.code, 1);
    EXPECT_NE(result.out.find("no-such-topic-xyz"), std::string::npos) << result.out;
}
