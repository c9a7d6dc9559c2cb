// The commands' behaviour on bad input, without any server.

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "courier/cli/commands.hpp"

using courier::cli::CommandIo;

namespace {
struct Run {
    int code;
    std::string out;
    std::string err;
};

Run run(int (*command)(const std::vector<std::string>&, CommandIo), std::vector<std::string> args,
        std::string input = "") {
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = command(args, CommandIo{in, out, err, nullptr});
    return {code, out.str(), err.str()};
}
}  // namespace

TEST(ProduceCommand, AnUnknownFlagPrintsUsageAndExitsTwo) {
    auto r = run(courier::cli::run_produce, {"-t", "x", "--bogus"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("courier produce -t TOPIC"), std::string::npos) << "usage follows the error";
}

TEST(ProduceCommand, AMissingTopicIsAUsageError) {
    auto r = run(courier::cli::run_produce, {"-b", "127.0.0.1:1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("missing -t TOPIC"), std::string::npos) << r.err;
}

TEST(ProduceCommand, AMalformedHeaderFlagIsAUsageError) {
    auto r = run(courier::cli::run_produce, {"-t", "x", "-b", "127.0.0.1:1", "-H", "novalue"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("-H expects name=value"), std::string::npos) << r.err;
}

TEST(ProduceCommand, WithoutBrokersItSaysHowToStartTheLocalKafka) {
    ::unsetenv("COURIER_BROKERS");
    ::unsetenv("COURIER_CONFIG");
    auto r = run(courier::cli::run_produce, {"-t", "x"}, "hello\n");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no Kafka brokers configured"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("scripts/kafka start"), std::string::npos) << r.err;
}

TEST(ProduceCommand, AnInvalidLibrdkafkaPropertyIsNamed) {
    auto r = run(courier::cli::run_produce, {"-t", "x", "-b", "127.0.0.1:1", "-X", "no.such.property=1"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no.such.property"), std::string::npos) << r.err;
}

TEST(ProduceCommand, HelpGoesToStdoutAndSucceeds) {
    auto r = run(courier::cli::run_produce, {"--help"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("--key-delimiter"), std::string::npos);
}

TEST(ConsumeCommand, AnUnreadableOffsetIsAUsageError) {
    auto r = run(courier::cli::run_consume, {"-t", "x", "-b", "127.0.0.1:1", "-o", "yesterday"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("-o: cannot read 'yesterday'"), std::string::npos) << r.err;
}

TEST(ConsumeCommand, PartitionsAndGroupsDoNotMix) {
    auto r = run(courier::cli::run_consume, {"-t", "x", "-G", "g", "-p", "0", "-b", "127.0.0.1:1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("-p cannot be combined with -G"), std::string::npos) << r.err;
}

TEST(ConsumeCommand, AStrayArgumentIsAUsageError) {
    auto r = run(courier::cli::run_consume, {"-t", "x", "extra"});
    EXPECT_EQ(r.code, 2);
}
