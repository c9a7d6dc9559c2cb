// The coordinator against real PostgreSQL with a ManualClock: commands are read back from
// courier_outbox (no broker), replies go through the real inbox middleware.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "courier/saga/saga_query.hpp"
#include "courier/saga/saga_report.hpp"
#include "courier/saga/timeout_sweeper.hpp"
#include "saga_test_support.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::saga;
using namespace courier::saga::testing;

namespace {

class SagaCoordinatorTest : public ::testing::Test {
protected:
    void SetUp() override { coordinator_.add(place_order()); }

    void start(const std::string& id, const std::string& data = R"({"order": "o1"})") {
        auto c = db_.connect();
        pg::Transaction tx(c);
        auto started = coordinator_.start(tx, kType, id, data);
        ASSERT_TRUE(started.has_value()) << started.error().describe();
        tx.commit();
    }

    // Delivers a reply as the router would: through the inbox middleware around the handler.
    Result<void> deliver(const Message& reply) {
        auto event = ce::read(reply);
        EXPECT_TRUE(event.has_value());
        const std::string group = "order-saga";
        const std::string name = "replies";
        consumers::Context context{reply, *event, group, name};
        return handler_(context);
    }
    void deliver_ok(const Message& reply) {
        auto delivered = deliver(reply);
        ASSERT_TRUE(delivered.has_value()) << delivered.error().describe();
    }

    std::size_t sweep() {
        auto c = db_.connect();
        auto swept = coordinator_.sweep_timeouts(c);
        EXPECT_TRUE(swept.has_value()) << swept.error().describe();
        return swept ? *swept : 0;
    }

    InstanceDetail show(const std::string& id) {
        auto c = db_.connect();
        auto shown = show_instance(c, id);
        EXPECT_TRUE(shown.has_value());
        EXPECT_TRUE(shown.has_value() && shown->has_value()) << "no saga " << id;
        return shown && *shown ? **shown : InstanceDetail{};
    }

    // The last sent command of `type`.
    Sent last(const std::string& type) {
        Sent found;
        for (auto& s : db_.sent()) {
            if (s.event.type == type) found = std::move(s);
        }
        EXPECT_FALSE(found.topic.empty()) << "no " << type << " was enqueued";
        return found;
    }

    // What the observer saw: "<kind> <step> <status>", and for finished " <elapsed seconds>".
    std::vector<std::string> events() {
        std::lock_guard lock(events_mutex_);
        return events_;
    }
    void observe(const SagaEvent& e) {
        static constexpr const char* kKinds[] = {"compensation_started", "timed_out", "finished"};
        std::string line = std::string(kKinds[static_cast<int>(e.kind)]) + " " + e.step + " " +
                           std::string(to_string(e.status));
        if (e.kind == SagaEvent::Kind::finished) line += " " + std::to_string(e.elapsed.count()).substr(0, 4);
        EXPECT_EQ(e.saga, kType);
        std::lock_guard lock(events_mutex_);
        events_.push_back(line);
    }

    SagaDatabase db_;
    ManualClock clock_;
    std::mutex events_mutex_;
    std::vector<std::string> events_;
    SagaCoordinator coordinator_{
        SagaCoordinatorOptions{"/store/order", [this](const SagaEvent& e) { observe(e); }}, outbox::Outbox{},
        clock_};
    pg::ConnectionPool pool_{db_.dsn(), 2};
    consumers::InboxStore inbox_{"order-saga"};
    consumers::Handler handler_ = consumers::middleware::inbox(pool_, inbox_)(coordinator_.reply_handler());
};

}  // namespace

TEST_F(SagaCoordinatorTest, AHappyTwoStepSagaSendsEachCommandInTurnAndCompletes) {
    start("s1");
    auto sent = db_.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].topic, kListingCommands);
    EXPECT_EQ(sent[0].event.type, kConfirmListing);
    EXPECT_EQ(sent[0].event.correlation_id, "s1");
    EXPECT_EQ(sent[0].event.causation_id, "");
    EXPECT_EQ(sent[0].event.source, "/store/order");
    EXPECT_EQ(sent[0].key, "s1");
    EXPECT_EQ(show("s1").summary.deadline, clock_.now() + 10s);

    auto confirmed = reply_to(sent[0], kListingConfirmed, R"({"order": "o1", "product": "p7"})");
    deliver_ok(confirmed);
    auto reserve = last(kReserveStock);
    EXPECT_EQ(reserve.topic, kProductCommands);
    EXPECT_EQ(reserve.event.correlation_id, "s1");
    EXPECT_EQ(reserve.event.causation_id, ce::read(confirmed)->id);
    EXPECT_EQ(reserve.payload, R"({"order": "o1", "product": "p7"})") << "the step's data update reached it";

    deliver_ok(reply_to(reserve, kStockReserved));
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.status, SagaStatus::completed);
    EXPECT_FALSE(detail.summary.deadline.has_value());
    EXPECT_EQ(detail.summary.version, 2);
    ASSERT_EQ(detail.history.size(), 3u);
    EXPECT_FALSE(detail.history[0].from.has_value());
    EXPECT_EQ(detail.history[2].to, SagaStatus::completed);
    EXPECT_EQ(db_.sent().size(), 2u);
    EXPECT_EQ(sweep(), 0u);
}

TEST_F(SagaCoordinatorTest, ARejectionAtTheFirstStepHasNothingToCompensate) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingRejected));
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.status, SagaStatus::compensated);
    EXPECT_NE(detail.summary.reason.find("rejected"), std::string::npos) << detail.summary.reason;
    EXPECT_EQ(db_.sent_types(), (std::vector<std::string>{kConfirmListing}));
}

TEST_F(SagaCoordinatorTest, ARejectionAtTheSecondStepCompensatesTheFirstStep) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    auto rejected = reply_to(last(kReserveStock), kStockRejected);
    deliver_ok(rejected);
    EXPECT_EQ(show("s1").summary.status, SagaStatus::compensating);
    auto release = last(kReleaseListing);
    EXPECT_EQ(release.event.causation_id, ce::read(rejected)->id);
    EXPECT_EQ(release.event.correlation_id, "s1");
    deliver_ok(reply_to(release, kListingReleased));
    EXPECT_EQ(show("s1").summary.status, SagaStatus::compensated);
    EXPECT_EQ(db_.sent_types(), (std::vector<std::string>{kConfirmListing, kReserveStock, kReleaseListing}));
}

TEST_F(SagaCoordinatorTest, ATimeoutAtTheFirstStepCompensatesThatStep) {
    start("s1");
    clock_.advance(9999ms);
    EXPECT_EQ(sweep(), 0u) << "not due yet";
    clock_.advance(1ms);
    EXPECT_EQ(sweep(), 1u);
    EXPECT_EQ(sweep(), 0u) << "handled once";
    EXPECT_EQ(show("s1").summary.status, SagaStatus::compensating);
    deliver_ok(reply_to(last(kReleaseListing), kListingReleased));
    EXPECT_EQ(show("s1").summary.status, SagaStatus::compensated);
    EXPECT_EQ(db_.sent_types(), (std::vector<std::string>{kConfirmListing, kReleaseListing}));
}

TEST_F(SagaCoordinatorTest, ATimeoutAtTheSecondStepCompensatesBothStepsInReverseOrder) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    clock_.advance(10s);
    EXPECT_EQ(sweep(), 1u);
    deliver_ok(reply_to(last(kReleaseStock), kStockReleased));
    deliver_ok(reply_to(last(kReleaseListing), kListingReleased));
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.status, SagaStatus::compensated);
    EXPECT_NE(detail.summary.reason.find("timed out"), std::string::npos) << detail.summary.reason;
    EXPECT_EQ(db_.sent_types(),
              (std::vector<std::string>{kConfirmListing, kReserveStock, kReleaseStock, kReleaseListing}));
}

TEST_F(SagaCoordinatorTest, ADuplicateReplyHasNoEffect) {
    start("s1");
    auto confirmed = reply_to(last(kConfirmListing), kListingConfirmed);
    deliver_ok(confirmed);
    deliver_ok(confirmed);
    deliver_ok(confirmed);
    EXPECT_EQ(db_.sent_types(), (std::vector<std::string>{kConfirmListing, kReserveStock}));
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.version, 1);
    EXPECT_EQ(detail.history.size(), 2u);
}

TEST_F(SagaCoordinatorTest, AnOutOfOrderReplyIsRecordedAndIgnored) {
    start("s1");
    // A stock reply before the stock command was even sent, and a reply to a command that is not
    // the one the saga waits for.
    auto early = reply_to(last(kConfirmListing), kStockReserved);
    deliver_ok(early);
    Sent other = last(kConfirmListing);
    other.event.id = "not-the-awaited-command";
    deliver_ok(reply_to(other, kListingConfirmed));
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.status, SagaStatus::running);
    EXPECT_EQ(detail.summary.step, 0);
    EXPECT_EQ(detail.summary.version, 0);
    ASSERT_EQ(detail.history.size(), 3u);
    EXPECT_EQ(detail.history[1].message_id, ce::read(early)->id);
    EXPECT_NE(detail.history[1].detail.find("ignored"), std::string::npos);
    EXPECT_NE(detail.history[2].detail.find("ignored"), std::string::npos);
    EXPECT_EQ(db_.sent_types(), (std::vector<std::string>{kConfirmListing}));
    // The right reply still moves it on.
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    EXPECT_EQ(show("s1").summary.step, 1);
}

TEST_F(SagaCoordinatorTest, AReplyAfterATimeoutIsRecordedAndIgnored) {
    start("s1");
    auto command = last(kConfirmListing);
    clock_.advance(10s);
    ASSERT_EQ(sweep(), 1u);
    deliver_ok(reply_to(command, kListingConfirmed));
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.status, SagaStatus::compensating);
    EXPECT_NE(detail.history.back().detail.find("ignored"), std::string::npos)
        << detail.history.back().detail;
    EXPECT_EQ(db_.sent_types(), (std::vector<std::string>{kConfirmListing, kReleaseListing}));
}

TEST_F(SagaCoordinatorTest, AReplyAfterCompletionIsRecordedAndIgnored) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    auto reserve = last(kReserveStock);
    deliver_ok(reply_to(reserve, kStockReserved));
    deliver_ok(reply_to(reserve, kStockRejected));
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.status, SagaStatus::completed);
    EXPECT_NE(detail.history.back().detail.find("already completed"), std::string::npos);
    EXPECT_EQ(db_.sent().size(), 2u);
}

TEST_F(SagaCoordinatorTest, AFailingCompensationIsRetriedUpToTheLimitThenNeedsAttention) {
    start("s1");
    clock_.advance(10s);
    ASSERT_EQ(sweep(), 1u);                                       // attempt 1
    deliver_ok(reply_to(last(kReleaseListing), kReleaseFailed));  // attempt 2
    clock_.advance(5s);
    ASSERT_EQ(sweep(), 1u);  // attempt 3
    EXPECT_EQ(show("s1").summary.attempt, 3);
    deliver_ok(reply_to(last(kReleaseListing), kReleaseFailed));  // gives up
    auto detail = show("s1");
    EXPECT_EQ(detail.summary.status, SagaStatus::failed_needs_attention);
    EXPECT_FALSE(detail.summary.deadline.has_value());
    EXPECT_EQ(db_.sent_types(),
              (std::vector<std::string>{kConfirmListing, kReleaseListing, kReleaseListing, kReleaseListing}));
    clock_.advance(1h);
    EXPECT_EQ(sweep(), 0u) << "no loop after giving up";
}

TEST_F(SagaCoordinatorTest, TwoCoordinatorsSweepingAtOnceHandleEachTimeoutOnce) {
    constexpr int kSagas = 60;
    for (int i = 0; i < kSagas; ++i) start("s" + std::to_string(i));
    clock_.advance(10s);
    SagaCoordinator other{SagaCoordinatorOptions{"/store/order"}, outbox::Outbox{}, clock_};
    other.add(place_order());
    std::atomic<std::size_t> handled{0};
    auto sweeper = [&](const SagaCoordinator& coordinator) {
        auto c = db_.connect();
        for (int round = 0; round < 100; ++round) {
            auto swept = coordinator.sweep_timeouts(c, 5);
            ASSERT_TRUE(swept.has_value()) << swept.error().describe();
            handled += *swept;
            if (*swept == 0) return;
        }
    };
    {
        std::jthread a([&] { sweeper(coordinator_); });
        std::jthread b([&] { sweeper(other); });
    }
    EXPECT_EQ(handled.load(), static_cast<std::size_t>(kSagas));
    std::map<std::string, int> releases;
    for (const auto& s : db_.sent()) {
        if (s.event.type == kReleaseListing) ++releases[s.event.correlation_id];
    }
    EXPECT_EQ(releases.size(), static_cast<std::size_t>(kSagas));
    for (const auto& [saga, count] : releases) EXPECT_EQ(count, 1) << saga;
}

TEST_F(SagaCoordinatorTest, ListingFindsInstancesByTypeStatusAndStuckness) {
    start("s1");
    start("s2");
    deliver_ok(reply_to(last(kConfirmListing), kListingRejected));  // s2 is compensated
    clock_.advance(1h);
    start("s3");
    auto c = db_.connect();
    ListFilter running;
    running.status = SagaStatus::running;
    auto listed = list_instances(c, running);
    ASSERT_TRUE(listed.has_value());
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id, "s3") << "most recently updated first";

    ListFilter stuck;
    stuck.type = kType;
    stuck.stuck_for = 30min;
    stuck.now = clock_.now();
    listed = list_instances(c, stuck);
    ASSERT_TRUE(listed.has_value());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].id, "s1");

    ListFilter other_type;
    other_type.type = "store.something-else";
    listed = list_instances(c, other_type);
    ASSERT_TRUE(listed.has_value());
    EXPECT_TRUE(listed->empty());

    auto missing = show_instance(c, "nope");
    ASSERT_TRUE(missing.has_value());
    EXPECT_FALSE(missing->has_value());
    auto detail = show("s2");
    EXPECT_EQ(detail.data, R"({"order": "o1"})");
    ASSERT_EQ(detail.history.size(), 2u);
    EXPECT_EQ(detail.history[1].to, SagaStatus::compensated);
}

TEST_F(SagaCoordinatorTest, StartingAnUnknownTypeFailsAndARepliedUnknownSagaIsIgnored) {
    auto c = db_.connect();
    pg::Transaction tx(c);
    auto started = coordinator_.start(tx, "store.nothing", "x", "{}");
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(started.error().code, kUnknownType);
    tx.rollback();
    start("s1");
    Sent ghost = last(kConfirmListing);
    ghost.event.correlation_id = "no-such-saga";
    deliver_ok(reply_to(ghost, kListingConfirmed));
    EXPECT_EQ(show("s1").summary.version, 0);
}

TEST_F(SagaCoordinatorTest, TheTimeoutSweeperLoopHandlesDueTimeoutsOnItsOwn) {
    start("s1");
    start("s2");
    clock_.advance(10s);
    TimeoutSweeperOptions options;
    options.dsn = db_.dsn();
    options.interval = 20ms;
    TimeoutSweeper sweeper(options, coordinator_);
    {
        std::jthread loop([&](std::stop_token stop) { sweeper.run(stop); });
        const auto limit = std::chrono::steady_clock::now() + 30s;
        while (sweeper.swept() < 2 && std::chrono::steady_clock::now() < limit)
            std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(sweeper.swept(), 2u);
    EXPECT_EQ(show("s1").summary.status, SagaStatus::compensating);
    EXPECT_EQ(show("s2").summary.status, SagaStatus::compensating);
}

TEST_F(SagaCoordinatorTest, ReportsPrintAnInstanceAndItsHistoryAsTextAndAsJson) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingRejected));
    auto detail = show("s1");
    std::ostringstream text;
    write_instance(text, detail, false);
    EXPECT_NE(text.str().find("status:   compensated"), std::string::npos) << text.str();
    EXPECT_NE(text.str().find("running -> compensated"), std::string::npos) << text.str();
    std::ostringstream json;
    write_instance(json, detail, true);
    EXPECT_NE(json.str().find(R"("status": "compensated")"), std::string::npos) << json.str();
    EXPECT_NE(json.str().find(R"("order": "o1")"), std::string::npos)
        << "data is embedded as JSON: " << json.str();
    EXPECT_NE(json.str().find(R"("from": null)"), std::string::npos) << json.str();
    std::ostringstream list;
    write_instances(list, {detail.summary}, true);
    EXPECT_EQ(list.str().front(), '[');
    EXPECT_NE(list.str().find(R"("deadline": null)"), std::string::npos) << list.str();
}

TEST_F(SagaCoordinatorTest, TheObserverSeesTheEndAndHowLongTheSagaTookOnceItsTransactionCommits) {
    start("s1");
    clock_.advance(3s);
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    EXPECT_TRUE(events().empty()) << "nothing final yet";
    clock_.advance(1500ms);
    const auto reserved = reply_to(last(kReserveStock), kStockReserved);
    {
        // The same reply in a transaction that rolls back: nothing is reported.
        auto c = db_.connect();
        pg::Transaction tx(c);
        ASSERT_TRUE(coordinator_.handle_reply(tx, reserved, *ce::read(reserved)));
    }
    EXPECT_TRUE(events().empty()) << events().front();
    deliver_ok(reserved);
    EXPECT_EQ(events(), (std::vector<std::string>{"finished reserve-stock completed 4.50"}));
}

TEST_F(SagaCoordinatorTest, TheObserverSeesARejectionBeginTheCompensation) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    deliver_ok(reply_to(last(kReserveStock), kStockRejected));
    EXPECT_EQ(events(), (std::vector<std::string>{"compensation_started reserve-stock compensating"}));
    clock_.advance(2s);
    deliver_ok(reply_to(last(kReleaseListing), kListingReleased));
    EXPECT_EQ(events().back(), "finished confirm-listing compensated 2.00");

    // Nothing to compensate at the first step: the compensation begins and ends at once.
    start("s2");
    deliver_ok(reply_to(last(kConfirmListing), kListingRejected));
    const auto seen = events();
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(std::set<std::string>(seen.begin() + 2, seen.end()),
              (std::set<std::string>{"compensation_started confirm-listing compensating",
                                     "finished confirm-listing compensated 0.00"}));
}

TEST_F(SagaCoordinatorTest, TheObserverSeesEachTimeoutOfAStepAndOfItsCompensation) {
    start("s1");
    clock_.advance(10s);
    ASSERT_EQ(sweep(), 1u);
    EXPECT_EQ(events(), (std::vector<std::string>{"compensation_started confirm-listing compensating",
                                                  "timed_out confirm-listing running"}));
    clock_.advance(5s);
    ASSERT_EQ(sweep(), 1u);  // the compensation timed out: sent again
    clock_.advance(5s);
    ASSERT_EQ(sweep(), 1u);  // and again: the third attempt
    clock_.advance(5s);
    ASSERT_EQ(sweep(), 1u);  // gives up
    EXPECT_EQ(events(),
              (std::vector<std::string>{
                  "compensation_started confirm-listing compensating", "timed_out confirm-listing running",
                  "timed_out confirm-listing compensating", "timed_out confirm-listing compensating",
                  "finished confirm-listing failed_needs_attention 25.0",
                  "timed_out confirm-listing compensating"}));
}

namespace {

// The PlaceOrder saga with the owner's hooks: a failure reply's payload becomes the data (so the
// reason travels to on_finished), and on_finished records the outcome in the owner's table —
// or fails when the test says so.
class SagaHooksTest : public SagaCoordinatorTest {
protected:
    void SetUp() override {
        auto c = db_.connect();
        c.exec("CREATE TABLE finished (saga_id text PRIMARY KEY, status text, reason text, data jsonb)");
        auto definition = place_order();
        definition.steps[1].on_failure = [](const std::string&, const std::string& reply) -> Result<std::string> {
            return reply;
        };
        definition.on_finished = [this](pg::Transaction& tx, const Finished& f) -> Result<void> {
            if (fail_hook_) return Error::transient("test.hook", "the owner's table is busy");
            auto r = tx.try_exec("INSERT INTO finished VALUES ($1, $2, $3, $4::jsonb)",
                                 {f.saga_id, std::string(to_string(f.status)), f.reason, f.data});
            if (!r) return std::move(r).error();
            return {};
        };
        coordinator_.add(std::move(definition));
    }
    std::vector<std::string> finished_row(const std::string& id) {
        auto c = db_.connect();
        auto rows = c.exec("SELECT status, reason, data->>'code' FROM finished WHERE saga_id = $1", {id});
        if (rows.empty()) return {};
        return {rows.get<std::string>(0, 0), rows.get<std::string>(0, 1),
                rows.get_optional<std::string>(0, 2).value_or("")};
    }
    bool fail_hook_ = false;
};

}  // namespace

TEST_F(SagaHooksTest, OnFinishedRunsOnceInTheTransactionThatCompletesTheSaga) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    EXPECT_TRUE(finished_row("s1").empty()) << "not final yet";
    deliver_ok(reply_to(last(kReserveStock), kStockReserved));
    EXPECT_EQ(finished_row("s1"), (std::vector<std::string>{"completed", "", ""}));
}

TEST_F(SagaHooksTest, OnFailureKeepsTheParticipantsReasonForOnFinishedAfterCompensation) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    deliver_ok(reply_to(last(kReserveStock), kStockRejected, R"({"code": "out_of_stock"})"));
    EXPECT_TRUE(finished_row("s1").empty()) << "compensating, not final";
    deliver_ok(reply_to(last(kReleaseListing), kListingReleased));
    auto row = finished_row("s1");
    ASSERT_EQ(row.size(), 3u);
    EXPECT_EQ(row[0], "compensated");
    EXPECT_NE(row[1].find("failed"), std::string::npos) << row[1];
    EXPECT_EQ(row[2], "out_of_stock");
}

TEST_F(SagaHooksTest, AFailingOnFinishedRollsTheTransitionBackSoTheReplyIsRetried) {
    start("s1");
    deliver_ok(reply_to(last(kConfirmListing), kListingConfirmed));
    fail_hook_ = true;
    auto reserved = reply_to(last(kReserveStock), kStockReserved);
    auto failed = deliver(reserved);
    ASSERT_FALSE(failed.has_value());
    EXPECT_TRUE(failed.error().retriable()) << failed.error().describe();
    EXPECT_EQ(show("s1").summary.status, SagaStatus::running);
    EXPECT_TRUE(events().empty()) << "the observer hears only of what committed";
    fail_hook_ = false;
    deliver_ok(reserved);
    EXPECT_EQ(show("s1").summary.status, SagaStatus::completed);
    EXPECT_EQ(finished_row("s1")[0], "completed");
    EXPECT_EQ(events(), (std::vector<std::string>{"finished reserve-stock completed 0.00"}));
}
