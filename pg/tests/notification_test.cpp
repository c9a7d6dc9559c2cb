#include <gtest/gtest.h>

#include <chrono>

#include "courier/pg/connection.hpp"
#include "courier/pg/transaction.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/temporary_database.hpp"

using namespace std::chrono_literals;
using courier::pg::Transaction;
using courier::testing::TemporaryDatabase;
using Clock = std::chrono::steady_clock;

TEST(Notification, SentFromAnotherConnectionArrivesAfterCommitWithinTheTimeout) {
    TemporaryDatabase db;
    auto listener = db.connect();
    auto sender = db.connect();
    const std::string channel = courier::testing::unique_name("outbox");
    listener.listen(channel);

    Transaction tx(sender);
    tx.connection().notify(channel, "row 42");
    EXPECT_EQ(listener.wait_for_notification(200ms), std::nullopt) << "nothing may arrive before COMMIT";
    tx.commit();

    const auto start = Clock::now();
    const auto notification = listener.wait_for_notification(5s);
    ASSERT_TRUE(notification.has_value());
    EXPECT_LT(Clock::now() - start, 5s);
    EXPECT_EQ(notification->channel, channel);
    EXPECT_EQ(notification->payload, "row 42");
    EXPECT_EQ(notification->backend_pid, sender.server_pid());
}

TEST(Notification, WaitingWithNoNotificationReturnsEmptyAfterTheTimeout) {
    TemporaryDatabase db;
    auto listener = db.connect();
    listener.listen(courier::testing::unique_name("quiet"));
    const auto start = Clock::now();
    EXPECT_EQ(listener.wait_for_notification(300ms), std::nullopt);
    const auto waited = Clock::now() - start;
    EXPECT_GE(waited, 290ms);
    EXPECT_LT(waited, 3s);
}

TEST(Notification, ChannelsTheConnectionDoesNotListenToAreNotDelivered) {
    TemporaryDatabase db;
    auto listener = db.connect();
    auto sender = db.connect();
    const std::string wanted = courier::testing::unique_name("wanted");
    const std::string other = courier::testing::unique_name("other");
    listener.listen(wanted);
    sender.notify(other, "not for you");
    sender.notify(wanted, "for you");
    const auto notification = listener.wait_for_notification(5s);
    ASSERT_TRUE(notification.has_value());
    EXPECT_EQ(notification->payload, "for you");
    listener.unlisten(wanted);
    sender.notify(wanted, "after unlisten");
    EXPECT_EQ(listener.wait_for_notification(200ms), std::nullopt);
}
