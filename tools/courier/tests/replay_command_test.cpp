// courier replay against a real Kafka broker: ranges, filters, provenance, group targeting,
// dry runs, rate and limit, bad input, and resuming after a stop, a limit or kill -9 without
// copying any message twice.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/cli/replay_checkpoint.hpp"
#include "courier/cli/time_spec.hpp"
#include "courier/consumers/replay_headers.hpp"
#include "courier/consumers/router.hpp"
#include "kafka_command_fixture.hpp"

extern char** environ;

using namespace std::chrono_literals;
using namespace courier;
using courier::testing::CommandRun;
using courier::testing::eventually;
namespace kafka = courier::broker::kafka;
namespace replay = courier::consumers::replay;

namespace {

CommandRun replay_cmd(std::vector<std::string> args, const std::atomic<bool>* stop = nullptr) {
    return courier::testing::run_command(cli::run_replay, std::move(args), stop);
}

std::string header(const Message& m, std::string_view name) {
    return std::string(m.headers.get(name).value_or(""));
}

std::string source_of(const Message& m) { return header(m, replay::kSource); }

class ReplayCommand : public courier::testing::KafkaCommandFixture {
protected:
    void TearDown() override {
        for (const auto& f : files_) std::filesystem::remove(f);
    }

    std::string checkpoint_file() {
        auto path = (std::filesystem::temp_directory_path() /
                     (courier::testing::unique_name("replay-checkpoint") + ".json"))
                        .string();
        files_.push_back(path);
        return path;
    }

    // `count` events on `partitions` partitions, round robin, key "k<i % 5>", numbered payloads.
    std::string filled(int partitions, int count, int64_t first_timestamp = 0, int64_t step_ms = 0) {
        auto name = topic("replay-src", partitions);
        std::vector<Message> messages;
        for (int i = 0; i < count; ++i) {
            auto m = event(
                name, i % 3 == 0 ? "shop.order.placed.v1" : "shop.order.paid.v1", "k" + std::to_string(i % 5),
                "{\"n\":" + std::to_string(i) + "}", first_timestamp ? first_timestamp + i * step_ms : 0,
                {{"region", i % 2 ? "eu" : "us"},
                 {"traceparent", "00-" + std::string(32, 'a') + "-" + std::string(16, 'b') + "-01"}});
            m.partition = i % partitions;
            messages.push_back(std::move(m));
        }
        publish_all(std::move(messages));
        return name;
    }

    // Asserts every copy in `target` came from a distinct source position and that together
    // they are exactly `expected` (source positions "topic/partition/offset").
    void expect_copied_once(const std::string& target, const std::set<std::string>& expected) {
        std::multiset<std::string> seen;
        for (const auto& m : read_all(target)) seen.insert(source_of(m));
        std::set<std::string> unique(seen.begin(), seen.end());
        EXPECT_EQ(seen.size(), unique.size()) << "a message was copied twice";
        EXPECT_EQ(unique, expected);
    }

    std::set<std::string> positions(const std::string& source) {
        std::set<std::string> out;
        for (const auto& m : read_all(source)) {
            out.insert(source + "/" + std::to_string(m.metadata->partition) + "/" +
                       std::to_string(m.metadata->offset));
        }
        return out;
    }

    std::vector<std::string> files_;
};

}  // namespace

TEST_F(ReplayCommand, CopiesATopicKeepingKeyPayloadAndHeadersAndAddsWhereEachCameFrom) {
    auto source = filled(3, 30);
    auto target = topic("replay-dst", 2);
    auto r = replay_cmd({"-t", source, "--to", target});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("copied 30 message(s) from " + source + " to " + target), std::string::npos)
        << r.out;
    EXPECT_NE(r.err.find("100% (30/30 offsets)"), std::string::npos) << "a progress line: " << r.err;

    std::map<std::string, Message> originals;
    for (auto& m : read_all(source)) originals[describe_position(m)] = m;
    auto copies = read_all(target);
    ASSERT_EQ(copies.size(), 30u);
    std::set<std::string> replay_ids;
    std::map<std::string, int32_t> partition_of_key;
    for (const auto& c : copies) {
        auto where = source_of(c);
        auto slash = where.rfind('/');
        auto position =
            where.substr(0, where.rfind('/', slash - 1)) + "[" +
            where.substr(where.rfind('/', slash - 1) + 1, slash - where.rfind('/', slash - 1) - 1) + "]@" +
            where.substr(slash + 1);
        ASSERT_TRUE(originals.contains(position)) << where;
        const auto& o = originals[position];
        EXPECT_EQ(c.key, o.key);
        EXPECT_EQ(c.payload, o.payload);
        std::vector<Header> kept;
        for (const auto& h : c.headers) {
            if (!replay::is_replay_header(h.name)) kept.push_back(h);
        }
        EXPECT_EQ(kept, std::vector<Header>(o.headers.begin(), o.headers.end())) << "headers kept, in order";
        EXPECT_EQ(header(c, "ce_id"), header(o, "ce_id")) << "ce_id kept by default";
        EXPECT_FALSE(c.headers.contains(replay::kGroup));
        replay_ids.insert(header(c, replay::kId));
        auto [it, fresh] = partition_of_key.try_emplace(*c.key, c.metadata->partition);
        EXPECT_EQ(it->second, c.metadata->partition) << "one key stays in one target partition";
    }
    EXPECT_EQ(replay_ids.size(), 1u) << "one replay id for the run";
    EXPECT_NE(r.out.find(*replay_ids.begin()), std::string::npos);

    // Replaying the copies replaces their replay headers instead of stacking them.
    auto again = topic("replay-dst2", 1);
    ASSERT_EQ(replay_cmd({"-t", target, "--to", again, "-q"}).code, 0);
    for (const auto& c : read_all(again)) {
        EXPECT_EQ(c.headers.get_all(replay::kId).size(), 1u);
        EXPECT_TRUE(source_of(c).starts_with(target + "/"));
    }
}

TEST_F(ReplayCommand, SelectsARangeByPartitionsAndOffsets) {
    auto source = filled(3, 30);  // 10 per partition
    auto target = topic("replay-dst", 1);
    auto r = replay_cmd(
        {"-t", source, "--to", target, "-p", "1", "-p", "2", "--from-offset", "3", "--to-offset", "5", "-q"});
    ASSERT_EQ(r.code, 0) << r.err;
    expect_copied_once(target, {source + "/1/3", source + "/1/4", source + "/1/5", source + "/2/3",
                                source + "/2/4", source + "/2/5"});
    EXPECT_NE(r.out.find("3..5"), std::string::npos) << r.out;

    auto tail = topic("replay-dst", 1);
    ASSERT_EQ(replay_cmd({"-t", source, "--to", tail, "-p", "0", "--from-offset", "-2", "-q"}).code, 0);
    expect_copied_once(tail, {source + "/0/8", source + "/0/9"});
}

TEST_F(ReplayCommand, SelectsARangeByTimeInRfc3339OrAsATimeAgo) {
    // 60 messages stamped one minute apart, the last one 1 minute ago.
    int64_t first = courier::testing::now_ms() - 60 * 60'000;
    auto source = filled(2, 60, first, 60'000);
    auto target = topic("replay-dst", 1);
    auto since = cli::format_time_ms(first + 10 * 60'000);
    auto until = cli::format_time_ms(first + 20 * 60'000);
    auto r = replay_cmd({"-t", source, "--to", target, "--since", since, "--until", until, "-q"});
    ASSERT_EQ(r.code, 0) << r.err;
    std::set<std::string> expected;
    for (int i = 10; i < 20; ++i)
        expected.insert(source + "/" + std::to_string(i % 2) + "/" + std::to_string(i / 2));
    expect_copied_once(target, expected);

    // "15m30s" ago: messages 45.. are stamped at or after it (the last is 1 minute ago).
    auto recent = topic("replay-dst", 1);
    ASSERT_EQ(replay_cmd({"-t", source, "--to", recent, "--since", "15m30s", "-q"}).code, 0);
    EXPECT_EQ(read_all(recent).size(), 15u);

    // The same window with the other zone notation and Unix milliseconds.
    auto zoned = topic("replay-dst", 1);
    auto plus_two = cli::format_time_ms(first + 10 * 60'000 + 2 * 3600'000).substr(0, 19) + "+02:00";
    ASSERT_EQ(replay_cmd({"-t", source, "--to", zoned, "--since", plus_two, "--until",
                          "@" + std::to_string(first + 20 * 60'000), "-q"})
                  .code,
              0);
    expect_copied_once(zoned, expected);
}

TEST_F(ReplayCommand, FiltersByKeyExactlyOrByRegexByTypeAndByHeaders) {
    auto source = filled(2, 30);
    struct Case {
        std::vector<std::string> flags;
        std::function<bool(int)> selects;  // by message number
    };
    std::vector<Case> cases = {
        {{"--key", "k2"}, [](int i) { return i % 5 == 2; }},
        {{"--key-regex", "^k[13]$"}, [](int i) { return i % 5 == 1 || i % 5 == 3; }},
        {{"--type", "shop.order.placed.v1"}, [](int i) { return i % 3 == 0; }},
        {{"--type", "shop.order.placed.v1", "--type", "shop.order.paid.v1"}, [](int) { return true; }},
        {{"-H", "region=eu"}, [](int i) { return i % 2 == 1; }},
        {{"-H", "region~^u"}, [](int i) { return i % 2 == 0; }},
        {{"--type", "shop.order.paid.v1", "-H", "region=eu", "--key-regex", "[0-2]"},
         [](int i) { return i % 3 != 0 && i % 2 == 1 && i % 5 <= 2; }},
    };
    for (const auto& c : cases) {
        auto target = topic("replay-dst", 1);
        std::vector<std::string> args = {"-t", source, "--to", target, "-q"};
        args.insert(args.end(), c.flags.begin(), c.flags.end());
        auto r = replay_cmd(args);
        ASSERT_EQ(r.code, 0) << r.err;
        std::set<int> expected, got;
        for (int i = 0; i < 30; ++i) {
            if (c.selects(i)) expected.insert(i);
        }
        for (const auto& m : read_all(target)) got.insert(std::stoi(m.payload.substr(5)));
        EXPECT_EQ(got, expected) << c.flags[0] << " " << c.flags[1];
        EXPECT_EQ(read_all(target).size(), expected.size());
    }
    auto none = topic("replay-dst", 1);
    auto r = replay_cmd({"-t", source, "--to", none, "--key", "nobody", "-q"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("no message matched the filters (key=nobody)"), std::string::npos) << r.out;
    EXPECT_EQ(end_of(none), 0);
}

TEST_F(ReplayCommand, NewIdsReplacesCeIdKeepsTheOriginalAndWarns) {
    auto source = filled(1, 5);
    auto target = topic("replay-dst", 1);
    auto r = replay_cmd({"-t", source, "--to", target, "--new-ids", "-q"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("warning: --new-ids"), std::string::npos) << r.err;
    auto originals = read_all(source);
    auto copies = read_all(target);
    ASSERT_EQ(copies.size(), 5u);
    std::set<std::string> ids;
    for (std::size_t i = 0; i < copies.size(); ++i) {
        EXPECT_NE(header(copies[i], "ce_id"), header(originals[i], "ce_id"));
        EXPECT_EQ(header(copies[i], replay::kOriginalId), header(originals[i], "ce_id"));
        EXPECT_EQ(copies[i].headers.get_all("ce_id").size(), 1u);
        ids.insert(header(copies[i], "ce_id"));
    }
    EXPECT_EQ(ids.size(), 5u);
}

TEST_F(ReplayCommand, ACopyForOneGroupIsHandledByThatGroupAndSkippedByTheOthers) {
    auto source = filled(2, 20);
    auto target = topic("replay-shared", 2);
    auto search_group = courier::testing::unique_name("search");
    auto r = replay_cmd({"-t", source, "--to", target, "-G", search_group, "-q"});
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& m : read_all(target)) EXPECT_EQ(header(m, replay::kGroup), search_group);

    auto props = courier::testing::broker_properties();
    kafka::KafkaPublisher dead_letters(kafka::KafkaPublisherOptions{props});
    std::map<std::string, std::atomic<int>> handled;
    handled["search"] = 0;
    handled["billing"] = 0;
    auto run_group = [&](const std::string& name, std::string group) {
        kafka::KafkaSubscriber subscriber(kafka::KafkaSubscriberOptions{props, group, "earliest"});
        consumers::RouterOptions options;
        options.group = group;
        options.commit_interval = 50ms;
        consumers::Router router(options, subscriber, dead_letters);
        router.handle("count", target, "*", [&, name](consumers::Context&) -> Result<void> {
            handled[name]++;
            return {};
        });
        std::jthread thread([&](std::stop_token stop) { router.run(stop); });
        bool caught_up = eventually([&] {
            auto offsets = committed(group, target);
            int64_t sum = 0;
            for (auto o : offsets) sum += std::max<int64_t>(o, 0);
            return sum == 20;
        });
        thread.request_stop();
        thread.join();
        EXPECT_TRUE(caught_up) << group << " committed past every copy";
        return router.stats();
    };
    auto search = run_group("search", search_group);
    auto billing = run_group("billing", courier::testing::unique_name("billing"));
    EXPECT_EQ(handled["search"].load(), 20);
    EXPECT_EQ(search.skipped, 0u);
    EXPECT_EQ(handled["billing"].load(), 0) << "copies for another group are not handled";
    EXPECT_EQ(billing.skipped, 20u);
    EXPECT_EQ(billing.dead_lettered, 0u);
}

TEST_F(ReplayCommand, ADryRunCountsPerPartitionShowsASampleAndWritesNothing) {
    auto source = filled(3, 30);
    auto target = topic("replay-dst", 1);
    auto r = replay_cmd({"-t", source, "--to", target, "--dry-run", "--key", "k0", "--sample", "6"});
    ASSERT_EQ(r.code, 0) << r.err;
    // k0 is every fifth message: 0, 5, 10, ... on partitions i % 3.
    EXPECT_NE(r.out.find("dry run: nothing written; 6 message(s) would be copied"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("sample (first 6 of 6):"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(source + "[0]@0  key k0  ce_type shop.order.placed.v1"), std::string::npos) << r.out;
    for (int p = 0; p < 3; ++p) {
        EXPECT_NE(r.out.find(std::to_string(p) + "          0..9                    2           8"),
                  std::string::npos)
            << "partition " << p << ":\n"
            << r.out;
    }
    EXPECT_EQ(end_of(target), 0);
    auto untargeted = replay_cmd({"-t", source, "--dry-run", "-q"});
    EXPECT_EQ(untargeted.code, 0) << "a dry run needs no target";
    EXPECT_NE(untargeted.out.find("30 message(s) would be copied from " + source + ", 0 filtered"),
              std::string::npos);
}

TEST_F(ReplayCommand, RateBoundsTheCopiesPerSecondAndLimitStopsAfterThatMany) {
    auto source = filled(2, 40);
    auto target = topic("replay-dst", 1);
    auto start = std::chrono::steady_clock::now();
    auto r = replay_cmd({"-t", source, "--to", target, "--rate", "50", "-q"});
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_GE(took, 750ms) << "40 copies at 50/s take at least 0.78 s";
    EXPECT_EQ(end_of(target), 40);

    auto limited = topic("replay-dst", 1);
    auto l = replay_cmd({"-t", source, "--to", limited, "--limit", "7", "-q"});
    ASSERT_EQ(l.code, 0) << l.err;
    EXPECT_EQ(end_of(limited), 7);
    EXPECT_NE(l.out.find("stopped at --limit 7"), std::string::npos) << l.out;
}

TEST_F(ReplayCommand, ResumesAfterAStopWithoutCopyingAnythingTwice) {
    auto source = filled(3, 300);
    auto target = topic("replay-dst", 2);
    auto file = checkpoint_file();
    std::vector<std::string> args = {"-t",  source,         "--to", target, "--rate",
                                     "150", "--checkpoint", file,   "-q"};
    std::atomic<bool> stop{false};
    CommandRun first;
    std::thread runner([&] { first = replay_cmd(args, &stop); });
    EXPECT_TRUE(eventually([&] { return end_of(target) >= 60; }));
    stop = true;
    runner.join();
    EXPECT_EQ(first.code, 1) << first.out << first.err;
    EXPECT_NE(first.err.find("interrupted; run the same command again to resume from " + file),
              std::string::npos)
        << first.err;
    auto copied_first = end_of(target);
    EXPECT_LT(copied_first, 300);
    auto saved = cli::ReplayCheckpoint::load(file);
    ASSERT_TRUE(saved);
    EXPECT_EQ(static_cast<int64_t>(saved->copied), copied_first)
        << "the checkpoint counts exactly what landed";
    EXPECT_FALSE(saved->complete);

    args.erase(args.begin() + 4, args.begin() + 6);  // no --rate now
    auto second = replay_cmd(args);
    ASSERT_EQ(second.code, 0) << second.err;
    EXPECT_NE(second.err.find("resuming " + saved->replay_id), std::string::npos) << second.err;
    expect_copied_once(target, positions(source));
    for (const auto& m : read_all(target)) EXPECT_EQ(header(m, replay::kId), saved->replay_id);

    auto third = replay_cmd(args);
    EXPECT_EQ(third.code, 0);
    EXPECT_NE(third.out.find("already complete (300 message(s) copied"), std::string::npos) << third.out;
    EXPECT_EQ(end_of(target), 300);
}

TEST_F(ReplayCommand, LimitedRunsResumeWhereTheLastOneStopped) {
    auto source = filled(2, 25);
    auto target = topic("replay-dst", 1);
    auto file = checkpoint_file();
    for (int run = 1; run <= 2; ++run) {
        auto r = replay_cmd({"-t", source, "--to", target, "--type", "shop.order.paid.v1", "--limit", "6",
                             "--checkpoint", file, "-q"});
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(end_of(target), 6 * run);
    }
    auto rest = replay_cmd({"-t", source, "--to", target, "--type", "shop.order.paid.v1", "--limit", "6",
                            "--checkpoint", file, "-q"});
    ASSERT_EQ(rest.code, 0) << rest.err;
    std::set<std::string> paid;
    for (const auto& m : read_all(source)) {
        if (header(m, "ce_type") == "shop.order.paid.v1") {
            paid.insert(source + "/" + std::to_string(m.metadata->partition) + "/" +
                        std::to_string(m.metadata->offset));
        }
    }
    ASSERT_EQ(paid.size(), 16u);
    expect_copied_once(target, paid);
    EXPECT_TRUE(cli::ReplayCheckpoint::load(file)->complete);

    // The same checkpoint with other filters is another replay: refused, nothing written.
    auto other = replay_cmd({"-t", source, "--to", target, "--checkpoint", file, "-q"});
    EXPECT_EQ(other.code, 1);
    EXPECT_NE(other.err.find("belongs to another replay"), std::string::npos) << other.err;
    EXPECT_EQ(end_of(target), 16);
}

TEST_F(ReplayCommand, ResumesAfterKill9WithoutCopyingAnythingTwice) {
    auto source = filled(3, 600);
    auto target = topic("replay-dst", 3);
    auto file = checkpoint_file();
    std::vector<std::string> args = {"replay", "-t",   source,
                                     "--to",   target, "--checkpoint",
                                     file,     "-b",   courier::testing::kafka_bootstrap(),
                                     "-q"};
    auto with_rate = args;
    with_rate.insert(with_rate.end(), {"--rate", "300"});
    std::vector<char*> argv = {const_cast<char*>(COURIER_BINARY)};
    for (auto& a : with_rate) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, COURIER_BINARY, nullptr, nullptr, argv.data(), environ), 0);
    // Past the first periodic checkpoint, mid-way between two.
    bool copying = eventually([&] { return end_of(target) >= 450; });
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(copying);
    ASSERT_TRUE(WIFSIGNALED(status));
    auto saved = cli::ReplayCheckpoint::load(file);
    ASSERT_TRUE(saved);
    auto landed = end_of(target);
    EXPECT_LT(static_cast<int64_t>(saved->copied), landed) << "copies landed after the last checkpoint";

    args.erase(args.begin());                    // the command name
    args.erase(args.end() - 3, args.end() - 1);  // -b: run_command adds it
    auto resumed = replay_cmd(args);
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    EXPECT_NE(resumed.err.find("more found in " + target + " after the checkpoint"), std::string::npos)
        << resumed.err;
    expect_copied_once(target, positions(source));
}

TEST_F(ReplayCommand, RefusesBadInputWithAClearMessageAndWritesNothing) {
    auto source = filled(1, 5);
    auto target = topic("replay-dst", 1);
    auto missing_source = replay_cmd({"-t", "no-such-topic-anywhere", "--to", target});
    EXPECT_EQ(missing_source.code, 1);
    EXPECT_NE(missing_source.err.find("no-such-topic-anywhere"), std::string::npos) << missing_source.err;

    auto missing_target = replay_cmd({"-t", source, "--to", "no-such-target-anywhere"});
    EXPECT_EQ(missing_target.code, 1);
    EXPECT_NE(missing_target.err.find("target topic no-such-target-anywhere does not exist"),
              std::string::npos)
        << missing_target.err;
    EXPECT_NE(missing_target.err.find("create it first"), std::string::npos) << missing_target.err;

    auto future = replay_cmd({"-t", source, "--to", target, "--since",
                              "@" + std::to_string(courier::testing::now_ms() + 3'600'000)});
    EXPECT_EQ(future.code, 1);
    EXPECT_NE(future.err.find("nothing to replay: " + source + " has no messages in any partition, since"),
              std::string::npos)
        << future.err;
    auto past = replay_cmd({"-t", source, "--to", target, "--until", "2001-01-01T00:00:00Z"});
    EXPECT_EQ(past.code, 1);
    EXPECT_NE(past.err.find("nothing to replay"), std::string::npos) << past.err;

    auto partition = replay_cmd({"-t", source, "--to", target, "-p", "4"});
    EXPECT_EQ(partition.code, 1);
    EXPECT_NE(partition.err.find("has no partition 4"), std::string::npos) << partition.err;

    auto regex = replay_cmd({"-t", source, "--to", target, "--key-regex", "[unclosed"});
    EXPECT_EQ(regex.code, 2);
    EXPECT_NE(regex.err.find("invalid regular expression"), std::string::npos) << regex.err;

    auto file = checkpoint_file();
    std::filesystem::create_directories(file);  // a folder where the checkpoint file should go
    auto unwritable = replay_cmd({"-t", source, "--to", target, "--checkpoint", file});
    EXPECT_EQ(unwritable.code, 1);
    EXPECT_NE(unwritable.err.find("checkpoint " + file + " is a folder"), std::string::npos)
        << unwritable.err;
    std::filesystem::remove(file);
    auto no_folder =
        replay_cmd({"-t", source, "--to", target, "--checkpoint", "/nonexistent-folder/cp.json"});
    EXPECT_EQ(no_folder.code, 1);
    EXPECT_NE(no_folder.err.find("cannot write checkpoint /nonexistent-folder/cp.json"), std::string::npos)
        << no_folder.err;

    // An unreachable broker: a bounded wait and a hint, not a hang.
    std::istringstream in;
    std::ostringstream out, err;
    auto start = std::chrono::steady_clock::now();
    int code = cli::run_replay({"-t", source, "--to", target, "-b", "127.0.0.1:1", "--timeout", "2"},
                               cli::CommandIo{in, out, err, nullptr});
    EXPECT_EQ(code, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    EXPECT_NE(err.str().find("is the broker running and reachable"), std::string::npos) << err.str();

    EXPECT_EQ(end_of(target), 0) << "nothing was written by any of them";
}
