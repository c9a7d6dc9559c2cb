// A large backlog: the relay's statements stay on the primary key, the backlog measurement
// stays cheap, and published rows leave in bounded batches.

#include <rapidjson/document.h>

#include "courier/broker/memory/broker.hpp"
#include "outbox_test_support.hpp"
#include "scripted_publisher.hpp"

using namespace courier;
using namespace courier::outbox;
using namespace courier::outbox::testing;

namespace {

struct PlanSummary {
    std::vector<std::string> outbox_scans;  // node types that read courier_outbox
    std::vector<std::string> node_types;    // every node type
};

void walk(const rapidjson::Value& node, PlanSummary& summary) {
    const std::string type = node["Node Type"].GetString();
    summary.node_types.push_back(type);
    // ModifyTable names the table it writes; the scans under it are what read it.
    if (type != "ModifyTable" && node.HasMember("Relation Name") &&
        std::string(node["Relation Name"].GetString()) == "courier_outbox") {
        summary.outbox_scans.push_back(type);
    }
    if (node.HasMember("Plans")) {
        for (const auto& child : node["Plans"].GetArray()) walk(child, summary);
    }
}

PlanSummary explain(pg::Connection& c, std::string_view sql, const pg::Params& params) {
    auto text = c.exec("EXPLAIN (FORMAT JSON) " + std::string(sql), params).get<std::string>(0, 0);
    rapidjson::Document plan;
    plan.Parse(text.c_str());
    EXPECT_FALSE(plan.HasParseError()) << text;
    PlanSummary summary;
    walk(plan[0]["Plan"], summary);
    return summary;
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& i : items) text += (text.empty() ? "" : ", ") + i;
    return text;
}

bool is_index_scan(const std::string& type) { return type == "Index Scan" || type == "Index Only Scan"; }

}  // namespace

TEST(OutboxGrowth, KeepsTheRelaysStatementsOnThePrimaryKeyWithAMillionRowBacklog) {
    OutboxDatabase db;
    auto c = db.connect();
    c.exec(
        "INSERT INTO courier_outbox (shard, topic, key, headers, payload) "
        "SELECT g % 16, 'store.order.events', convert_to('order-' || (g % 5000), 'UTF8'), "
        "'[{\"name\": \"ce_id\", \"value\": \"x\"}]', '\\x7b7d'::bytea FROM generate_series(1, 1000000) g");
    c.exec("ANALYZE courier_outbox");

    const std::string all_shards = "{0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}";
    const auto fetch = explain(c, OutboxRelay::fetch_sql(), {all_shards, 1000});
    ASSERT_FALSE(fetch.outbox_scans.empty()) << joined(fetch.node_types);
    for (const auto& scan : fetch.outbox_scans) EXPECT_TRUE(is_index_scan(scan)) << "fetch reads by " << scan;
    for (const auto& type : fetch.node_types) {
        EXPECT_NE(type, "Sort") << "fetch plan: " << joined(fetch.node_types);
        EXPECT_NE(type, "Seq Scan") << "fetch plan: " << joined(fetch.node_types);
    }

    // A full batch of deletes: one probe per (shard, id), no scan of the table.
    auto ids = c.exec("SELECT shard, id FROM courier_outbox WHERE shard = 3 ORDER BY id LIMIT 1000");
    std::string shards = "{", id_list = "{";
    for (int i = 0; i < ids.size(); ++i) {
        shards += (i ? "," : "") + ids.get<std::string>(i, 0);
        id_list += (i ? "," : "") + ids.get<std::string>(i, 1);
    }
    shards += "}";
    id_list += "}";
    const auto remove = explain(c, OutboxRelay::delete_sql(), {shards, id_list});
    ASSERT_FALSE(remove.outbox_scans.empty()) << joined(remove.node_types);
    for (const auto& scan : remove.outbox_scans)
        EXPECT_TRUE(is_index_scan(scan)) << "delete reads by " << scan;

    // The fetch itself answers fast on this backlog: a few index probes, not a sort of a million.
    const auto started = std::chrono::steady_clock::now();
    auto rows = c.exec(OutboxRelay::fetch_sql(), {all_shards, 1000});
    EXPECT_EQ(rows.size(), 1000);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);

    const auto measured = std::chrono::steady_clock::now();
    auto backlog = Outbox::backlog(c);
    const auto took = std::chrono::steady_clock::now() - measured;
    ASSERT_TRUE(backlog) << backlog.error().describe();
    EXPECT_FALSE(backlog->exact);
    EXPECT_GT(backlog->rows, 900000);
    EXPECT_LT(backlog->rows, 1100000);
    EXPECT_LT(took, 2s) << "backlog() must not count a million rows";
}

TEST(OutboxGrowth, DeletesPublishedRowsInBatchesNoLargerThanTheBatchSize) {
    OutboxDatabase db;
    {
        auto c = db.connect();
        c.exec(
            "INSERT INTO courier_outbox (shard, topic, key, headers, payload) "
            "SELECT g % 16, 't', convert_to('k' || (g % 100), 'UTF8'), '[]', '\\x00'::bytea "
            "FROM generate_series(1, 20000) g");
    }
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 2);
    ScriptedPublisher publisher(broker);
    std::atomic<std::size_t> largest{0}, batches{0};
    auto options = quick_relay_options(db.dsn());
    options.batch_size = 700;
    options.after_acknowledged = [&](std::size_t acknowledged) {
        ++batches;
        std::size_t seen = largest.load();
        while (acknowledged > seen && !largest.compare_exchange_weak(seen, acknowledged)) {
        }
    };
    RelayThread relay(options, publisher);
    ASSERT_TRUE(eventually([&] { return db.rows() == 0; }, 120s));
    EXPECT_LE(largest.load(), 700u);
    EXPECT_GE(batches.load(), 20000u / 700u);
    EXPECT_TRUE(eventually([&] { return relay.stats().deleted == 20000u; })) << relay.stats().deleted;
}
