// courier groups against a real Kafka broker: list, describe with members and lag, offset
// resets planned and executed with every strategy, and the refusal while members are active.

#include <iomanip>
#include <tuple>

#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/cli/time_spec.hpp"
#include "kafka_command_fixture.hpp"

using namespace std::chrono_literals;
using namespace courier;
using courier::testing::CommandRun;
using courier::testing::eventually;
namespace kafka = courier::broker::kafka;

namespace {

CommandRun groups(std::vector<std::string> args) {
    return courier::testing::run_command(cli::run_groups, std::move(args));
}

class GroupsCommand : public courier::testing::KafkaCommandFixture {
protected:
    // 3 partitions of 20 messages each, stamped one minute apart per partition, the first of
    // each partition 30 minutes ago.
    void SetUp() override {
        topic_ = topic("groups", 3);
        first_ = courier::testing::now_ms() - 30 * 60'000;
        std::vector<Message> messages;
        for (int p = 0; p < 3; ++p) {
            for (int i = 0; i < 20; ++i) {
                auto m = event(topic_, "t.v1", "k", std::to_string(i), first_ + i * 60'000);
                m.partition = p;
                messages.push_back(std::move(m));
            }
        }
        publish_all(std::move(messages));
    }

    void commit(const std::vector<int64_t>& offsets) {
        std::vector<kafka::CommittedOffset> list;
        for (std::size_t p = 0; p < offsets.size(); ++p)
            list.push_back({{topic_, static_cast<int32_t>(p)}, offsets[p]});
        admin_.alter_group_offsets(group_, list);
    }

    // A member of the group that owns every partition of the topic.
    std::unique_ptr<kafka::KafkaSubscriber> join() {
        auto member = std::make_unique<kafka::KafkaSubscriber>(
            kafka::KafkaSubscriberOptions{courier::testing::broker_properties(), group_, "earliest"});
        member->subscribe({topic_});
        EXPECT_TRUE(eventually([&] {
            (void)member->poll(10, 50ms);
            return member->assignment().size() == 3;
        }));
        return member;
    }

    std::string topic_;
    std::string group_ = courier::testing::unique_name("groups-g");
    int64_t first_ = 0;
};

}  // namespace

TEST_F(GroupsCommand, ListsAndDescribesAGroupWithItsMembersAssignmentAndLag) {
    commit({5, 20, 0});
    auto member = join();
    auto listed = groups({"list"});
    ASSERT_EQ(listed.code, 0) << listed.err;
    EXPECT_NE(listed.out.find(group_), std::string::npos) << listed.out;

    auto described = groups({"describe", "-g", group_});
    ASSERT_EQ(described.code, 0) << described.err;
    const auto& out = described.out;
    EXPECT_NE(out.find("state Stable"), std::string::npos) << out;
    EXPECT_NE(out.find("members 1"), std::string::npos) << out;
    EXPECT_NE(out.find(topic_ + "[0] " + topic_ + "[1] " + topic_ + "[2]"), std::string::npos)
        << "assignment:\n"
        << out;
    // topic, partition, committed, end, lag, owner (the member's client id, rdkafka by default)
    for (auto [p, committed, lag] : {std::tuple{0, 5, 15}, std::tuple{1, 20, 0}, std::tuple{2, 0, 20}}) {
        std::ostringstream row;
        row << std::left << std::setw(40) << topic_ << std::setw(10) << p << std::setw(14) << committed
            << std::setw(14) << 20 << std::setw(10) << lag << "rdkafka";
        EXPECT_NE(out.find(row.str()), std::string::npos) << row.str() << "\nin\n" << out;
    }
    EXPECT_NE(out.find("total lag 35"), std::string::npos) << out;
    member->close();

    auto only = groups({"describe", "-g", group_, "-t", topic_});
    ASSERT_EQ(only.code, 0) << only.err;
    EXPECT_NE(only.out.find("members 0"), std::string::npos) << only.out;
}

TEST_F(GroupsCommand, AResetPrintsItsPlanAndChangesNothingUntilExecute) {
    commit({10, 10, 10});
    struct Case {
        std::vector<std::string> flags;
        std::vector<int64_t> expected;  // partitions 0, 1, 2 after --execute
    };
    std::vector<Case> cases = {
        {{"--to-earliest"}, {0, 0, 0}},
        {{"--to-latest"}, {20, 20, 20}},
        {{"--to-offset", "7"}, {7, 7, 7}},
        {{"--to-offset", "99"}, {20, 20, 20}},  // kept within the partition
        {{"--shift-by", "-3"}, {17, 17, 17}},   // from the previous case's 20
        {{"--shift-by", "-50"}, {0, 0, 0}},
        {{"--to-datetime", cli::format_time_ms(first_ + 12 * 60'000)}, {12, 12, 12}},
        {{"--to-datetime", "15m30s"}, {15, 15, 15}},  // message i is stamped 30 - i minutes ago
        {{"--to-datetime", "now"}, {20, 20, 20}},
        {{"--to-offset", "4", "-p", "1"}, {20, 4, 20}},
        {{"--to-earliest", "-p", "0", "-p", "2"}, {0, 4, 0}},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args = {"reset-offsets", "-g", group_, "-t", topic_};
        args.insert(args.end(), c.flags.begin(), c.flags.end());
        auto before = committed(group_, topic_);
        auto plan = groups(args);
        ASSERT_EQ(plan.code, 0) << plan.err;
        EXPECT_NE(plan.out.find("nothing changed: run again with --execute"), std::string::npos) << plan.out;
        EXPECT_EQ(committed(group_, topic_), before) << "a plan changes nothing";
        args.push_back("--execute");
        auto done = groups(args);
        ASSERT_EQ(done.code, 0) << done.err;
        EXPECT_NE(done.out.find("reset "), std::string::npos) << done.out;
        EXPECT_EQ(committed(group_, topic_), c.expected) << c.flags[0] << "\n" << plan.out;
    }
}

TEST_F(GroupsCommand, ResettingAGroupThatLostItsOffsetsCreatesThem) {
    auto plan = groups({"reset-offsets", "-g", group_, "-t", topic_, "--to-offset", "3"});
    ASSERT_EQ(plan.code, 0) << plan.err;
    EXPECT_NE(plan.out.find("the group has no committed offsets"), std::string::npos) << plan.out;
    ASSERT_EQ(groups({"reset-offsets", "-g", group_, "-t", topic_, "--to-offset", "3", "--execute"}).code, 0);
    EXPECT_EQ(committed(group_, topic_), (std::vector<int64_t>{3, 3, 3}));

    auto fresh = courier::testing::unique_name("groups-fresh");
    auto shift = groups({"reset-offsets", "-g", fresh, "-t", topic_, "--shift-by", "2", "--execute"});
    EXPECT_EQ(shift.code, 1);
    EXPECT_NE(shift.err.find("--shift-by needs a committed offset"), std::string::npos) << shift.err;
}

TEST_F(GroupsCommand, RefusesToResetAGroupWithActiveMembers) {
    commit({10, 10, 10});
    auto member = join();
    auto plan = groups({"reset-offsets", "-g", group_, "-t", topic_, "--to-earliest"});
    EXPECT_EQ(plan.code, 0) << plan.err;
    EXPECT_NE(plan.err.find("--execute will be refused until they stop"), std::string::npos) << plan.err;
    auto refused = groups({"reset-offsets", "-g", group_, "-t", topic_, "--to-earliest", "--execute"});
    EXPECT_EQ(refused.code, 1);
    EXPECT_NE(refused.err.find("has 1 active member(s)"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("nothing was changed"), std::string::npos) << refused.err;
    EXPECT_EQ(committed(group_, topic_), (std::vector<int64_t>{10, 10, 10}));

    member->close();
    EXPECT_TRUE(eventually([&] { return admin_.describe_group(group_).members.empty(); }));
    auto done = groups({"reset-offsets", "-g", group_, "-t", topic_, "--to-earliest", "--execute"});
    EXPECT_EQ(done.code, 0) << done.err;
    EXPECT_EQ(committed(group_, topic_), (std::vector<int64_t>{0, 0, 0}));
}

TEST_F(GroupsCommand, RefusesBadInputWithAClearMessage) {
    auto missing_group = groups({"describe", "-g", "no-such-group-anywhere"});
    EXPECT_EQ(missing_group.code, 1);
    EXPECT_NE(missing_group.err.find("consumer group no-such-group-anywhere does not exist"),
              std::string::npos)
        << missing_group.err;
    auto missing_topic =
        groups({"reset-offsets", "-g", group_, "-t", "no-such-topic-anywhere", "--to-earliest"});
    EXPECT_EQ(missing_topic.code, 1);
    EXPECT_NE(missing_topic.err.find("no-such-topic-anywhere"), std::string::npos) << missing_topic.err;
    auto partition =
        groups({"reset-offsets", "-g", group_, "-t", topic_, "-p", "7", "--to-earliest", "--execute"});
    EXPECT_EQ(partition.code, 1);
    EXPECT_NE(partition.err.find("has no partition 7"), std::string::npos) << partition.err;
    EXPECT_EQ(committed(group_, topic_), (std::vector<int64_t>{-1, -1, -1})) << "nothing was written";

    std::istringstream in;
    std::ostringstream out, err;
    auto start = std::chrono::steady_clock::now();
    int code = cli::run_groups({"list", "-b", "127.0.0.1:1", "--timeout", "2"},
                               cli::CommandIo{in, out, err, nullptr});
    EXPECT_EQ(code, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    EXPECT_NE(err.str().find("courier groups: "), std::string::npos) << err.str();
}
