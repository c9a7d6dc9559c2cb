// OutboxRelay's constructor checks its options without touching the network.

#include <gtest/gtest.h>

#include "courier/broker/memory/broker.hpp"
#include "courier/broker/memory/publisher.hpp"
#include "courier/core/errors.hpp"
#include "courier/outbox/outbox_relay.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::outbox;

TEST(OutboxRelayOptions, RefuseWhatCannotWorkWithAConfigError) {
    broker::memory::Publisher publisher(std::make_shared<broker::memory::Broker>());
    auto valid = [] {
        OutboxRelayOptions o;
        o.dsn = "postgresql://nobody@127.0.0.1:1/none";
        return o;
    };
    EXPECT_NO_THROW(OutboxRelay(valid(), publisher)) << "construction does not connect";
    auto refused = [&](auto change) {
        auto o = valid();
        change(o);
        EXPECT_THROW(OutboxRelay(o, publisher), ConfigError);
    };
    refused([](OutboxRelayOptions& o) { o.dsn.clear(); });
    refused([](OutboxRelayOptions& o) { o.batch_size = 0; });
    refused([](OutboxRelayOptions& o) { o.pipeline_depth = 0; });
    refused([](OutboxRelayOptions& o) { o.pipeline_depth = 17; });
    refused([](OutboxRelayOptions& o) { o.initial_backoff = 0ms; });
    refused([](OutboxRelayOptions& o) { o.max_backoff = o.initial_backoff / 2; });
    refused([](OutboxRelayOptions& o) { o.poll_interval = 0ms; });
}

TEST(OutboxRelayOptions, StartWithEmptyStatistics) {
    broker::memory::Publisher publisher(std::make_shared<broker::memory::Broker>());
    OutboxRelayOptions o;
    o.dsn = "postgresql://nobody@127.0.0.1:1/none";
    OutboxRelay relay(o, publisher);
    const auto stats = relay.stats();
    EXPECT_EQ(stats.published, 0u);
    EXPECT_EQ(stats.shards_held, 0);
    EXPECT_TRUE(stats.last_error.empty());
}

TEST(OutboxRelayOptions, ExposeTheStatementsTheRelayRuns) {
    EXPECT_NE(OutboxRelay::fetch_sql().find("ORDER BY id LIMIT"), std::string_view::npos);
    EXPECT_NE(OutboxRelay::delete_sql().find("DELETE FROM courier_outbox"), std::string_view::npos);
}
