// docs/runbook.md, scenario by scenario, against a real Kafka broker and plain topics: each test
// runs the commands the runbook shows (with this test's own topic and group names) and checks
// the outcome the runbook promises. The consumers here deduplicate by ce_id in memory, standing
// in for the PostgreSQL inbox (dlq_command_tests runs the DLQ scenario with the real inbox).

#include <filesystem>
#include <mutex>
#include <set>

#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/cli/time_spec.hpp"
#include "courier/consumers/dead_letter.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/errors.hpp"
#include "kafka_command_fixture.hpp"

using namespace std::chrono_literals;
using namespace courier;
using courier::testing::CommandRun;
using courier::testing::eventually;
namespace kafka = courier::broker::kafka;

namespace {

CommandRun courier_cmd(const std::string& command, std::vector<std::string> args) {
    if (command == "dlq") return courier::testing::run_command(cli::run_dlq, std::move(args));
    if (command == "groups") return courier::testing::run_command(cli::run_groups, std::move(args));
    return courier::testing::run_command(cli::run_replay, std::move(args));
}

// An idempotent consumer service: a router over one topic whose handler applies each ce_id once.
class Service {
public:
    using Apply = std::function<Result<void>(const Message&)>;

    Service(std::string group, std::string topic, Apply apply, std::string offset_reset = "earliest")
        : group_(std::move(group)),
          topic_(std::move(topic)),
          subscriber_(
              kafka::KafkaSubscriberOptions{courier::testing::broker_properties(), group_, offset_reset}),
          dead_letters_(kafka::KafkaPublisherOptions{courier::testing::broker_properties()}) {
        consumers::RouterOptions options;
        options.group = group_;
        options.commit_interval = 50ms;
        router_ = std::make_unique<consumers::Router>(options, subscriber_, dead_letters_);
        router_->handle("apply", topic_, "*",
                        [this, apply = std::move(apply)](consumers::Context& c) -> Result<void> {
                            {
                                std::lock_guard lock(mutex_);
                                if (applied_.contains(c.event.id)) return {};  // the inbox: already applied
                            }
                            auto result = apply(c.message);
                            if (!result) return result;
                            std::lock_guard lock(mutex_);
                            applied_.insert(c.event.id);
                            ++applications_;
                            return {};
                        });
        thread_ = std::jthread([this](std::stop_token stop) { router_->run(stop); });
    }
    ~Service() { stop(); }

    void stop() {
        if (thread_.joinable()) {
            thread_.request_stop();
            thread_.join();
        }
    }
    std::set<std::string> applied() const {
        std::lock_guard lock(mutex_);
        return applied_;
    }
    int applications() const {
        std::lock_guard lock(mutex_);
        return applications_;
    }
    consumers::RouterStats stats() const { return router_->stats(); }

private:
    std::string group_, topic_;
    kafka::KafkaSubscriber subscriber_;
    kafka::KafkaPublisher dead_letters_;
    std::unique_ptr<consumers::Router> router_;
    mutable std::mutex mutex_;
    std::set<std::string> applied_;
    int applications_ = 0;
    std::jthread thread_;
};

class Runbook : public courier::testing::KafkaCommandFixture {
protected:
    int64_t lag(const std::string& group, const std::string& topic) {
        int64_t sum = 0;
        for (const auto& p : admin_.group_lag(group, topic)) sum += p.lag;
        return sum;
    }

    static std::string id_of(const Message& m) { return std::string(m.headers.get("ce_id").value_or("")); }
};

Result<void> apply_ok(const Message&) { return {}; }

}  // namespace

// Runbook: "A consumer bug sent messages to the dead-letter topic".
TEST_F(Runbook, AConsumerBugDeadLettersMessagesAndARedriveAfterTheFixAppliesEachOnce) {
    auto events = topic("store.product.events", 2);
    admin_.create_topic({consumers::dlq::topic_for(events), 1, 1, {}});
    auto group = courier::testing::unique_name("listing");
    std::vector<Message> published;
    for (int i = 0; i < 12; ++i) {
        published.push_back(
            event(events, "store.product.updated.v1", "p" + std::to_string(i % 4),
                  "{\"price_cents\":" + std::to_string(i % 3 == 0 ? 100000 + i : 100 + i) + "}"));
    }
    std::set<std::string> all_ids;
    for (const auto& m : published) all_ids.insert(id_of(m));
    publish_all(published);

    // The bug: prices over 1000.00 are rejected as poison and dead-lettered.
    auto buggy = [](const Message& m) -> Result<void> {
        if (m.payload.find("\"price_cents\":1000") != std::string::npos) {
            return Error::poison("listing.bug", "price out of range");
        }
        return {};
    };
    {
        Service listing(group, events, buggy);
        ASSERT_TRUE(eventually([&] { return lag(group, events) == 0 && end_of(events + ".dlq") == 4; }));
        EXPECT_EQ(listing.applications(), 8);
    }

    auto listed = courier_cmd("dlq", {"list", "-t", events});
    ASSERT_EQ(listed.code, 0) << listed.err;
    EXPECT_NE(listed.out.find("4 dead letter(s)"), std::string::npos) << listed.out;
    auto shown = courier_cmd("dlq", {"show", "-t", events, "-o", "0"});
    ASSERT_EQ(shown.code, 0) << shown.err;
    EXPECT_NE(shown.out.find("courier-dlq-error: listing.bug: price out of range"), std::string::npos)
        << shown.out;
    auto dry = courier_cmd("dlq", {"redrive", "-t", events, "--dry-run"});
    ASSERT_EQ(dry.code, 0) << dry.err;
    EXPECT_NE(dry.out.find("would redrive 4 message(s) to " + events), std::string::npos) << dry.out;

    // The fix is deployed; redrive, and a second redrive by mistake changes nothing.
    Service fixed(group, events, apply_ok);
    auto redriven = courier_cmd("dlq", {"redrive", "-t", events, "--rate", "100"});
    ASSERT_EQ(redriven.code, 0) << redriven.err;
    ASSERT_EQ(courier_cmd("dlq", {"redrive", "-t", events}).code, 0);
    ASSERT_TRUE(eventually([&] { return end_of(events) == 20 && lag(group, events) == 0; }));
    EXPECT_EQ(fixed.applications(), 4) << "each dead letter applied once";
    auto described = courier_cmd("groups", {"describe", "-g", group, "-t", events});
    ASSERT_EQ(described.code, 0) << described.err;
    EXPECT_NE(described.out.find("total lag 0"), std::string::npos) << described.out;
}

// Runbook: "A group lost its committed offsets".
TEST_F(Runbook, AGroupThatLostItsOffsetsIsResetToTheTimeItStopped) {
    auto events = topic("store.order.events", 3);
    auto group = courier::testing::unique_name("ledger");
    int64_t now = courier::testing::now_ms();
    int64_t stopped_at = now - 60 * 60'000;
    std::vector<Message> before, during;
    for (int i = 0; i < 30; ++i) {  // handled before the service stopped
        before.push_back(event(events, "store.order.placed.v1", "o" + std::to_string(i), "{}",
                               stopped_at - 60 * 60'000 + i * 60'000));
    }
    publish_all(before);
    {
        Service ledger(group, events, apply_ok);
        ASSERT_TRUE(eventually([&] { return lag(group, events) == 0; }));
    }
    // While it was down, events kept coming and its offsets expired (offsets.retention.minutes).
    for (int i = 0; i < 20; ++i) {
        during.push_back(
            event(events, "store.order.placed.v1", "o" + std::to_string(i), "{}", stopped_at + i * 60'000));
    }
    publish_all(during);
    ASSERT_TRUE(eventually([&] {  // once the stopped member's leave has been processed
        try {
            admin_.delete_group(group);
            return true;
        } catch (const CourierError&) {
            return false;
        }
    }));

    auto gone = courier_cmd("groups", {"describe", "-g", group});
    EXPECT_EQ(gone.code, 1);
    EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
    auto when = cli::format_time_ms(stopped_at);
    auto plan = courier_cmd("groups", {"reset-offsets", "-g", group, "-t", events, "--to-datetime", when});
    ASSERT_EQ(plan.code, 0) << plan.err;
    EXPECT_NE(plan.out.find("no committed offsets"), std::string::npos) << plan.out;
    auto done = courier_cmd("groups",
                            {"reset-offsets", "-g", group, "-t", events, "--to-datetime", when, "--execute"});
    ASSERT_EQ(done.code, 0) << done.err;

    // Restarted with auto.offset.reset=latest it would have skipped the 20; reset, it reads them.
    std::set<std::string> expected;
    for (const auto& m : during) expected.insert(id_of(m));
    Service ledger(group, events, apply_ok, "latest");
    ASSERT_TRUE(eventually([&] { return lag(group, events) == 0 && ledger.applications() == 20; }));
    EXPECT_EQ(ledger.applied(), expected) << "exactly what arrived after it stopped";
}

// Runbook: "A new service needs yesterday's events".
TEST_F(Runbook, ANewServiceGetsYesterdaysEventsByAReplayForItsGroupAlone) {
    auto events = topic("store.product.events", 2);
    auto billing = courier::testing::unique_name("billing");
    auto search = courier::testing::unique_name("search");
    constexpr int64_t kDay = 24 * 3600'000;
    int64_t now = courier::testing::now_ms();
    int64_t today = now / kDay * kDay, yesterday = today - kDay;
    std::vector<Message> earlier, wanted, later;
    for (int i = 0; i < 5; ++i)
        earlier.push_back(
            event(events, "store.product.created.v1", "p", "{}", yesterday - (i + 1) * 3600'000));
    for (int i = 0; i < 24; ++i) {
        wanted.push_back(event(events, "store.product.created.v1", "p" + std::to_string(i), "{}",
                               yesterday + i * 3600'000));
    }
    for (int i = 0; i < 5; ++i)
        later.push_back(
            event(events, "store.product.updated.v1", "p", "{}", std::max(today, now - 60'000) + i));
    publish_all(earlier);
    publish_all(wanted);
    publish_all(later);
    Service existing(billing, events, apply_ok);
    ASSERT_TRUE(eventually([&] { return lag(billing, events) == 0; }));
    EXPECT_EQ(existing.applications(), 34);

    // The new service starts at the end of the topic; pin that start before replaying.
    auto pinned =
        courier_cmd("groups", {"reset-offsets", "-g", search, "-t", events, "--to-latest", "--execute"});
    ASSERT_EQ(pinned.code, 0) << pinned.err;
    auto since = cli::format_time_ms(yesterday), until = cli::format_time_ms(today);
    auto dry = courier_cmd("replay", {"-t", events, "--to", events, "--since", since, "--until", until,
                                      "--group", search, "--dry-run"});
    ASSERT_EQ(dry.code, 0) << dry.err;
    EXPECT_NE(dry.out.find("24 message(s) would be copied"), std::string::npos) << dry.out;
    auto file = (std::filesystem::temp_directory_path() / (search + ".json")).string();
    auto copied = courier_cmd("replay", {"-t", events, "--to", events, "--since", since, "--until", until,
                                         "--group", search, "--checkpoint", file});
    std::filesystem::remove(file);
    ASSERT_EQ(copied.code, 0) << copied.err;
    EXPECT_NE(copied.out.find("copied 24 message(s)"), std::string::npos) << copied.out;

    Service fresh(search, events, apply_ok, "latest");
    ASSERT_TRUE(eventually([&] { return lag(search, events) == 0 && lag(billing, events) == 0; }));
    std::set<std::string> expected;
    for (const auto& m : wanted) expected.insert(id_of(m));
    EXPECT_EQ(fresh.applied(), expected) << "yesterday's events, and only those";
    EXPECT_EQ(existing.applications(), 34) << "the existing group skipped every copy";
    EXPECT_EQ(existing.stats().skipped, 24u);
    auto described = courier_cmd("groups", {"describe", "-g", search, "-t", events});
    EXPECT_NE(described.out.find("total lag 0"), std::string::npos) << described.out;
}
