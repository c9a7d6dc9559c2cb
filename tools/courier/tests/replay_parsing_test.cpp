// What `courier replay` and `courier groups` read from a command line — times, durations,
// filters, checkpoints, flags — without any server.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "courier/cli/commands.hpp"
#include "courier/cli/message_filter.hpp"
#include "courier/cli/replay_checkpoint.hpp"
#include "courier/cli/time_spec.hpp"
#include "courier/core/errors.hpp"

using namespace std::chrono;
using namespace courier;
using namespace courier::cli;

namespace {

// 2026-11-21T10:00:00Z
const system_clock::time_point kNow = system_clock::time_point(milliseconds(1795255200000));
constexpr int64_t kNowMs = 1795255200000;

Message with(std::optional<std::string> key, std::vector<Header> headers) {
    Message m;
    m.topic = "t";
    m.key = std::move(key);
    for (auto& h : headers) m.headers.add(h.name, h.value);
    return m;
}

struct Run {
    int code;
    std::string out, err;
};

Run run(int (*command)(const std::vector<std::string>&, CommandIo), std::vector<std::string> args) {
    std::istringstream in;
    std::ostringstream out, err;
    int code = command(args, CommandIo{in, out, err, nullptr});
    return {code, out.str(), err.str()};
}

}  // namespace

TEST(TimeSpec, ReadsRfc3339WithZonesAndFractions) {
    EXPECT_EQ(parse_time_point("2026-11-21T10:00:00Z", kNow), kNowMs);
    EXPECT_EQ(parse_time_point("2026-11-21t10:00:00z", kNow), kNowMs);
    EXPECT_EQ(parse_time_point("2026-11-21 10:00:00Z", kNow), kNowMs);
    EXPECT_EQ(parse_time_point("2026-11-21T12:00:00+02:00", kNow), kNowMs);
    EXPECT_EQ(parse_time_point("2026-11-21T05:30:00-04:30", kNow), kNowMs);
    EXPECT_EQ(parse_time_point("2026-11-21T10:00:00.25Z", kNow), kNowMs + 250);
    EXPECT_EQ(parse_time_point("2026-11-21T10:00:00.123456789Z", kNow), kNowMs + 123);
    EXPECT_EQ(parse_time_point("1970-01-01T00:00:00Z", kNow), 0);
    EXPECT_EQ(parse_time_point("2024-02-29T00:00:00Z", kNow), 1709164800000);
}

TEST(TimeSpec, ReadsTimesAgoNowAndUnixMilliseconds) {
    EXPECT_EQ(parse_time_point("2h", kNow), kNowMs - 2 * 3600 * 1000);
    EXPECT_EQ(parse_time_point("1h30m", kNow), kNowMs - 90 * 60 * 1000);
    EXPECT_EQ(parse_time_point("1d", kNow), kNowMs - 24 * 3600 * 1000);
    EXPECT_EQ(parse_time_point("500ms", kNow), kNowMs - 500);
    EXPECT_EQ(parse_time_point("now", kNow), kNowMs);
    EXPECT_EQ(parse_time_point("@1700000000000", kNow), 1700000000000);
    EXPECT_EQ(parse_duration("90s"), seconds(90));
    EXPECT_EQ(parse_duration("1d2h3m4s5ms"), hours(26) + minutes(3) + seconds(4) + milliseconds(5));
}

TEST(TimeSpec, RefusesWhatItCannotReadAndSaysWhatItAccepts) {
    for (const char* bad : {"", "yesterday", "2026-11-21", "2026-11-21T10:00:00", "2026-13-01T00:00:00Z",
                            "2026-02-30T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T10:00:00+2:00",
                            "2h30", "h", "5w", "@", "@12x", "-2h", "2026-11-21T10:00:00Zjunk"}) {
        try {
            parse_time_point(bad, kNow);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find("RFC 3339"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(parse_duration("10"), ConfigError);
    EXPECT_THROW(parse_duration("m"), ConfigError);
    EXPECT_THROW(parse_duration("99999999999999h"), ConfigError);
}

TEST(TimeSpec, FormatsMillisecondsAsRfc3339Utc) {
    EXPECT_EQ(format_time_ms(kNowMs + 7), "2026-11-21T10:00:00.007Z");
    EXPECT_EQ(parse_time_point(format_time_ms(kNowMs + 7), kNow), kNowMs + 7);
}

TEST(MessageFilter, AnEmptyFilterAcceptsEverything) {
    MessageFilter f;
    EXPECT_TRUE(f.empty());
    EXPECT_TRUE(f.accepts(with(std::nullopt, {})));
    EXPECT_EQ(f.describe(), "(none)");
}

TEST(MessageFilter, MatchesKeysExactlyOrByRegex) {
    MessageFilter exact;
    exact.key("order-1");
    EXPECT_TRUE(exact.accepts(with("order-1", {})));
    EXPECT_FALSE(exact.accepts(with("order-10", {})));
    EXPECT_FALSE(exact.accepts(with(std::nullopt, {}))) << "a null key matches no key condition";

    MessageFilter regex;
    regex.key_regex("^order-[0-9]$");
    EXPECT_TRUE(regex.accepts(with("order-7", {})));
    EXPECT_FALSE(regex.accepts(with("order-77", {})));
    MessageFilter anywhere;
    anywhere.key_regex("-7");
    EXPECT_TRUE(anywhere.accepts(with("order-77", {}))) << "unanchored expressions match anywhere";
    EXPECT_FALSE(anywhere.accepts(with(std::nullopt, {})));
}

TEST(MessageFilter, TypesAreAlternativesAndEveryOtherConditionMustHold) {
    MessageFilter f;
    f.type("a.v1").type("b.v1").header_condition("region=eu").header_condition("tenant~^acme");
    EXPECT_TRUE(f.accepts(with("k", {{"ce_type", "b.v1"}, {"region", "eu"}, {"tenant", "acme-2"}})));
    EXPECT_FALSE(f.accepts(with("k", {{"ce_type", "c.v1"}, {"region", "eu"}, {"tenant", "acme"}})));
    EXPECT_FALSE(f.accepts(with("k", {{"ce_type", "a.v1"}, {"region", "us"}, {"tenant", "acme"}})));
    EXPECT_FALSE(f.accepts(with("k", {{"ce_type", "a.v1"}, {"region", "eu"}, {"tenant", "xacme"}})));
    EXPECT_FALSE(f.accepts(with("k", {{"ce_type", "a.v1"}, {"region", "eu"}})))
        << "an absent header never matches";
    EXPECT_TRUE(
        f.accepts(with("k", {{"ce_type", "a.v1"}, {"region", "us"}, {"region", "eu"}, {"tenant", "acme"}})))
        << "the last value of a repeated header is the one compared";
}

TEST(MessageFilter, AHeaderValueMayHoldTheOtherOperator) {
    MessageFilter f;
    f.header_condition("expr=a~b").header_condition("query~x=1");
    EXPECT_TRUE(f.accepts(with("k", {{"expr", "a~b"}, {"query", "?x=1"}})));
    EXPECT_EQ(f.describe(), "header:expr=a~b header:query~x=1");
}

TEST(MessageFilter, RefusesBadConditionsAndInvalidExpressions) {
    MessageFilter f;
    EXPECT_THROW(f.header_condition("no-operator"), ConfigError);
    EXPECT_THROW(f.header_condition("=value"), ConfigError);
    try {
        f.key_regex("(unclosed");
        ADD_FAILURE();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("invalid regular expression '(unclosed'"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(f.header_condition("x~[z-a]"), ConfigError);
}

TEST(MessageFilter, DescribesTheSameConditionsTheSameWayWhateverTheirOrder) {
    MessageFilter a, b;
    a.type("y").type("x").header("h1", "1").header("h2", "2").key("k");
    b.key("k").header("h2", "2").type("x").header("h1", "1").type("y");
    EXPECT_EQ(a.describe(), b.describe());
    EXPECT_EQ(a.describe(), "key=k type=x|y header:h1=1 header:h2=2");
}

TEST(ReplayCheckpoint, RoundTripsThroughItsFileAtomically) {
    auto path = (std::filesystem::temp_directory_path() /
                 ("courier-checkpoint-" + std::to_string(::getpid()) + ".json"))
                    .string();
    std::filesystem::remove(path);
    EXPECT_FALSE(ReplayCheckpoint::load(path).has_value()) << "no file: nothing to resume";
    ReplayCheckpoint c;
    c.replay_id = "r-1";
    c.fingerprint = "source=a target=b";
    c.source = "a";
    c.target = "b";
    c.ranges = {{{"a", 0}, 0, 10}, {{"a", 1}, 5, 5}};
    c.next = {{0, 7}, {1, 5}};
    c.copied_ahead = {{0, {8, 9}}};
    c.target_ends = {{0, 100}, {1, 50}};
    c.copied = 6;
    c.filtered = 1;
    c.save(path);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    auto loaded = ReplayCheckpoint::load(path);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->replay_id, "r-1");
    EXPECT_EQ(loaded->fingerprint, c.fingerprint);
    EXPECT_EQ(loaded->ranges, c.ranges);
    EXPECT_EQ(loaded->next, c.next);
    EXPECT_EQ(loaded->copied_ahead, c.copied_ahead);
    EXPECT_EQ(loaded->target_ends, c.target_ends);
    EXPECT_EQ(loaded->copied, 6u);
    EXPECT_EQ(loaded->filtered, 1u);
    EXPECT_FALSE(loaded->complete);

    std::ofstream(path) << "{\"version\": 1, \"replay_id\": 3}";
    EXPECT_THROW(ReplayCheckpoint::load(path), ConfigError);
    std::ofstream(path) << "not json";
    EXPECT_THROW(ReplayCheckpoint::load(path), ConfigError);
    std::filesystem::remove(path);
    EXPECT_THROW(c.save("/nonexistent-folder/checkpoint.json"), CourierError);
}

TEST(ReplayCommand, WrongFlagsPrintUsageAndExitTwo) {
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    std::vector<Case> cases = {
        {{"--to", "b"}, "missing -t SOURCE"},
        {{"-t", "a"}, "missing --to TARGET"},
        {{"-t", "a", "--to", "b", "--since", "yesterday"}, "--since: cannot read 'yesterday'"},
        {{"-t", "a", "--to", "b", "--since", "1h", "--until", "2h"}, "empty time range"},
        {{"-t", "a", "--to", "b", "--key-regex", "(unclosed"}, "invalid regular expression"},
        {{"-t", "a", "--to", "b", "-H", "noop"}, "neither name=value nor name~regex"},
        {{"-t", "a", "--to", "b", "--rate", "0"}, "--rate must be more than 0"},
        {{"-t", "a", "--to", "b", "--limit", "0"}, "--limit must be at least 1"},
        {{"-t", "a", "--to", "b", "--from-offset", "9", "--to-offset", "3"}, "is after --to-offset"},
        {{"-t", "a", "--dry-run", "--checkpoint", "f"}, "cannot be combined with --dry-run"},
        {{"-t", "a", "--to", "b", "--bogus"}, "unrecognised option '--bogus'"},
        {{"-t", "a", "--to", "b", "stray"}, "too many positional options"},
    };
    for (const auto& c : cases) {
        auto r = run(run_replay, c.args);
        EXPECT_EQ(r.code, 2) << c.says;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("courier replay -t SOURCE --to TARGET"), std::string::npos) << "usage follows";
    }
    auto help = run(run_replay, {"--help"});
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("--checkpoint"), std::string::npos);
}

TEST(GroupsCommand, WrongFlagsPrintUsageAndExitTwo) {
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    std::vector<Case> cases = {
        {{}, "expected one action"},
        {{"explode"}, "unknown action 'explode'"},
        {{"describe"}, "missing -g GROUP"},
        {{"reset-offsets", "-g", "g"}, "needs -t TOPIC"},
        {{"reset-offsets", "-g", "g", "-t", "t"}, "exactly one of"},
        {{"reset-offsets", "-g", "g", "-t", "t", "--to-earliest", "--to-latest"}, "exactly one of"},
        {{"reset-offsets", "-g", "g", "-t", "t", "--to-datetime", "soon"},
         "--to-datetime: cannot read 'soon'"},
        {{"reset-offsets", "-g", "g", "-t", "t", "--to-offset", "-3"}, "--to-offset must be 0 or more"},
    };
    for (const auto& c : cases) {
        auto r = run(run_groups, c.args);
        EXPECT_EQ(r.code, 2) << c.says;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    }
}
