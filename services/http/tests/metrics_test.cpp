#include "courier/http/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

namespace courier::http {
namespace {

TEST(Metrics, RendersAKnownSampleExactly) {
    Metrics metrics;
    constexpr std::array<double, 3> buckets{0.1, 0.5, 1};
    metrics.counter_add("orders_placed_total", "Orders accepted.", {{"status", "202"}});
    metrics.counter_add("orders_placed_total", "Orders accepted.", {{"status", "202"}}, 2);
    metrics.counter_add("orders_placed_total", "Orders accepted.", {{"status", "400"}});
    metrics.gauge_set("outbox_backlog", "Rows waiting in the outbox.", {}, 17);
    metrics.histogram_observe("saga_seconds", "Saga duration.", {{"saga", "place_order"}}, 0.0625, buckets);
    metrics.histogram_observe("saga_seconds", "Saga duration.", {{"saga", "place_order"}}, 0.5, buckets);
    metrics.histogram_observe("saga_seconds", "Saga duration.", {{"saga", "place_order"}}, 3, buckets);
    metrics.gauge_callback("stock_available", "Units available.", [] {
        return std::vector<std::pair<Labels, double>>{{{{"product", "p2"}}, 0.25}, {{{"product", "p1"}}, 4}};
    });

    EXPECT_EQ(metrics.render(),
              "# HELP orders_placed_total Orders accepted.\n"
              "# TYPE orders_placed_total counter\n"
              "orders_placed_total{status=\"202\"} 3\n"
              "orders_placed_total{status=\"400\"} 1\n"
              "# HELP outbox_backlog Rows waiting in the outbox.\n"
              "# TYPE outbox_backlog gauge\n"
              "outbox_backlog 17\n"
              "# HELP saga_seconds Saga duration.\n"
              "# TYPE saga_seconds histogram\n"
              "saga_seconds_bucket{saga=\"place_order\",le=\"0.1\"} 1\n"
              "saga_seconds_bucket{saga=\"place_order\",le=\"0.5\"} 2\n"
              "saga_seconds_bucket{saga=\"place_order\",le=\"1\"} 2\n"
              "saga_seconds_bucket{saga=\"place_order\",le=\"+Inf\"} 3\n"
              "saga_seconds_sum{saga=\"place_order\"} 3.5625\n"
              "saga_seconds_count{saga=\"place_order\"} 3\n"
              "# HELP stock_available Units available.\n"
              "# TYPE stock_available gauge\n"
              "stock_available{product=\"p1\"} 4\n"
              "stock_available{product=\"p2\"} 0.25\n");
}

TEST(Metrics, EscapesLabelValuesAndHelpText) {
    Metrics metrics;
    metrics.counter_add("odd_total", "Help with \\ and\nnewline \"quoted\".",
                        {{"path", "C:\\dir \"x\"\nnext"}});
    EXPECT_EQ(metrics.render(),
              "# HELP odd_total Help with \\\\ and\\nnewline \"quoted\".\n"
              "# TYPE odd_total counter\n"
              "odd_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST(Metrics, KeepsHistogramBucketsCumulativeWithTheDefaultLatencyBuckets) {
    Metrics metrics;
    for (double seconds : {0.001, 0.005, 0.007, 0.2, 0.2, 20.0}) {
        metrics.histogram_observe("latency_seconds", "Latency.", {}, seconds);
    }
    std::string text = metrics.render();
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.005\"} 2\n"), std::string::npos)
        << text;  // le is inclusive
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.01\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.1\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.25\"} 5\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"10\"} 5\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 6\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_count 6\n"), std::string::npos) << text;
    EXPECT_EQ(metrics.value("latency_seconds"), 6);

    // Every bucket line is >= the one before it.
    uint64_t previous = 0;
    std::size_t lines = 0;
    for (std::size_t at = text.find("_bucket"); at != std::string::npos; at = text.find("_bucket", at + 1)) {
        std::size_t space = text.find(' ', text.find('}', at));
        uint64_t count = std::stoull(text.substr(space + 1));
        EXPECT_GE(count, previous);
        previous = count;
        ++lines;
    }
    EXPECT_EQ(lines, default_latency_buckets().size() + 1);
}

TEST(Metrics, KeepsTheFamilyOfACallbackThatThrowsWithoutSamplesAndNotesTheError) {
    Metrics metrics;
    metrics.gauge_callback("outbox_backlog", "Rows waiting.", []() -> std::vector<std::pair<Labels, double>> {
        throw std::runtime_error("database\nunreachable");
    });
    metrics.counter_add("up_total", "Still rendered.");
    EXPECT_EQ(metrics.render(),
              "# HELP outbox_backlog Rows waiting.\n"
              "# TYPE outbox_backlog gauge\n"
              "# outbox_backlog has no samples: its callback failed: database unreachable\n"
              "# HELP up_total Still rendered.\n"
              "# TYPE up_total counter\n"
              "up_total 1\n");
}

TEST(Metrics, RendersADeclaredFamilyAsHelpAndTypeBeforeItsFirstSample) {
    Metrics metrics;
    constexpr std::array<double, 2> buckets{1, 10};
    metrics.declare("jobs_total", "Jobs done.", MetricType::counter);
    metrics.declare("queue_depth", "Jobs waiting.", MetricType::gauge);
    metrics.declare("job_seconds", "Job duration.", MetricType::histogram, buckets);
    EXPECT_EQ(metrics.render(),
              "# HELP job_seconds Job duration.\n"
              "# TYPE job_seconds histogram\n"
              "# HELP jobs_total Jobs done.\n"
              "# TYPE jobs_total counter\n"
              "# HELP queue_depth Jobs waiting.\n"
              "# TYPE queue_depth gauge\n");

    // The declaration decided the buckets; later uses add series to the same family.
    metrics.declare("jobs_total", "Jobs done.", MetricType::counter);
    metrics.counter_add("jobs_total", "Jobs done.", {{"kind", "a"}}, 0);
    metrics.histogram_observe("job_seconds", "Job duration.", {}, 5);
    const std::string text = metrics.render();
    EXPECT_NE(text.find("jobs_total{kind=\"a\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("job_seconds_bucket{le=\"10\"} 1\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("le=\"0.005\""), std::string::npos) << text;

    EXPECT_THROW(metrics.declare("jobs_total", ".", MetricType::gauge), std::invalid_argument);
    EXPECT_THROW(metrics.declare("bad name", ".", MetricType::counter), std::invalid_argument);
}

TEST(Metrics, RendersACounterCallbackAsACounterReadAtScrapeTime) {
    Metrics metrics;
    double published = 3;
    metrics.counter_callback("published_total", "Published.", [&] { return Samples{{{}, published}}; });
    EXPECT_EQ(metrics.render(),
              "# HELP published_total Published.\n"
              "# TYPE published_total counter\n"
              "published_total 3\n");
    published = 5;
    EXPECT_NE(metrics.render().find("published_total 5\n"), std::string::npos);
    EXPECT_THROW(metrics.gauge_callback("published_total", ".", [] { return Samples{}; }),
                 std::invalid_argument);
    EXPECT_THROW(metrics.counter_add("published_total", "."), std::invalid_argument);
}

TEST(Metrics, TreatsLabelOrderAsIrrelevant) {
    Metrics metrics;
    metrics.counter_add("x_total", "X.", {{"b", "2"}, {"a", "1"}});
    metrics.counter_add("x_total", "X.", {{"a", "1"}, {"b", "2"}});
    EXPECT_EQ(metrics.value("x_total", {{"b", "2"}, {"a", "1"}}), 2);
    EXPECT_NE(metrics.render().find("x_total{a=\"1\",b=\"2\"} 2\n"), std::string::npos);
}

TEST(Metrics, RendersSpecialAndFractionalValuesAsPrometheusSpellsThem) {
    Metrics metrics;
    metrics.gauge_set("g", "G.", {{"k", "inf"}}, INFINITY);
    metrics.gauge_set("g", "G.", {{"k", "nan"}}, NAN);
    metrics.gauge_set("g", "G.", {{"k", "neg"}}, -1.5e-7);
    metrics.gauge_add("g", "G.", {{"k", "sum"}}, 0.1);
    metrics.gauge_add("g", "G.", {{"k", "sum"}}, 0.2);
    std::string text = metrics.render();
    EXPECT_NE(text.find("g{k=\"inf\"} +Inf\n"), std::string::npos) << text;
    EXPECT_NE(text.find("g{k=\"nan\"} NaN\n"), std::string::npos) << text;
    EXPECT_NE(text.find("g{k=\"neg\"} -1.5e-07\n"), std::string::npos) << text;
    EXPECT_NE(text.find("g{k=\"sum\"} 0.30000000000000004\n"), std::string::npos) << text;
}

TEST(Metrics, RejectsInvalidNamesLabelsAndTypeChanges) {
    Metrics metrics;
    EXPECT_THROW(metrics.counter_add("1bad", "."), std::invalid_argument);
    EXPECT_THROW(metrics.counter_add("bad-name", "."), std::invalid_argument);
    EXPECT_THROW(metrics.counter_add("ok_total", ".", {{"__reserved", "x"}}), std::invalid_argument);
    EXPECT_THROW(metrics.counter_add("ok_total", ".", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
    EXPECT_THROW(metrics.counter_add("ok_total", ".", {}, -1), std::invalid_argument);
    EXPECT_THROW(metrics.histogram_observe("h", ".", {{"le", "1"}}, 1), std::invalid_argument);
    constexpr std::array<double, 2> unsorted{1, 0.5};
    EXPECT_THROW(metrics.histogram_observe("h2", ".", {}, 1, unsorted), std::invalid_argument);
    metrics.counter_add("used_total", ".");
    EXPECT_THROW(metrics.gauge_set("used_total", ".", {}, 1), std::invalid_argument);
    EXPECT_NO_THROW(metrics.counter_add("name:with_colon_total", "."));
}

TEST(Metrics, CountsEveryIncrementFromManyThreads) {
    Metrics metrics;
    constexpr int kThreads = 8;
    constexpr int kIncrements = 20000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&metrics, t] {
            for (int i = 0; i < kIncrements; ++i) {
                metrics.counter_add("hits_total", "Hits.", {{"shard", std::to_string(i % 4)}});
                metrics.histogram_observe("work_seconds", "Work.", {{"thread", std::to_string(t % 2)}}, 0.01);
                if (i % 1000 == 0) (void)metrics.render();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    double total = 0;
    for (int shard = 0; shard < 4; ++shard)
        total += metrics.value("hits_total", {{"shard", std::to_string(shard)}});
    EXPECT_EQ(total, kThreads * kIncrements);
    EXPECT_EQ(
        metrics.value("work_seconds", {{"thread", "0"}}) + metrics.value("work_seconds", {{"thread", "1"}}),
        kThreads * kIncrements);
}

}  // namespace
}  // namespace courier::http
