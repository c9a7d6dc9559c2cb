// The demo store end to end: the three services as processes over a real Kafka broker and a real
// PostgreSQL server (started by scripts/test), driven over HTTP as users and `courier demo` do.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdlib>
#include <atomic>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <map>
#include <sstream>
#include <thread>
#include <tuple>

#include "courier/demo/store_demo.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/ids.hpp"
#include "courier/http/client.hpp"
#include "courier/http/json.hpp"
#include "courier/pg/connection.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/program.hpp"
#include "courier/testing/prometheus_text.hpp"
#include "test_store.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::demo;

namespace {

// Where the test Jaeger is (scripts/test starts one); the store exports its spans there.
std::string jaeger(const char* variable) {
    return courier::testing::required_env(variable, "Jaeger", "scripts/jaeger start");
}

// The order service sheds load above this many pending orders (the load test stays far below).
constexpr int kMaxPending = 300;

// One store for the whole suite: the topics are the store's fixed names, so two stores on one
// broker would read each other's commands.
class Store : public ::testing::Environment {
public:
    void SetUp() override {
        auto o = courier::testing::test_store_options("e2e");
        o.step_timeout = 20s;  // generous: ctest runs other suites beside this one on 2 cores
        o.extra_env = {{"OTEL_EXPORTER_OTLP_ENDPOINT", jaeger("COURIER_TEST_JAEGER_OTLP")},
                       {"OTEL_BSP_SCHEDULE_DELAY", "200"},
                       {"COURIER_MAX_PENDING_ORDERS", std::to_string(kMaxPending)}};
        store = std::make_unique<RunningStore>(o);
    }
    void TearDown() override { store.reset(); }
    static inline std::unique_ptr<RunningStore> store;
};

const StoreEndpoints& endpoints() { return Store::store->endpoints(); }

http::Client client(const std::string& url) {
    auto [host, port] = http::parse_http_url(url);
    return http::Client(host, port);
}

rapidjson::Document json(const http::Response& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << r.body;
    return d;
}

Catalog seed(const std::string& run) { return seed_catalog(endpoints(), SeedOptions{3, 1000, run}); }

struct Snapshot {
    int64_t stock, reserved, listed;
    bool operator==(const Snapshot&) const = default;
};
std::vector<Snapshot> snapshot(const Catalog& catalog) {
    auto products = client(endpoints().product);
    auto listings = client(endpoints().listing);
    std::vector<Snapshot> out;
    for (const auto& item : catalog.items) {
        auto p = json(products.get("/products/" + item.product_id));
        auto l = json(listings.get("/listings/" + item.listing_id));
        out.push_back({p["stock"].GetInt64(), p["reserved"].GetInt64(), l["quantity"].GetInt64()});
    }
    return out;
}

std::string place(const std::string& body) {
    auto orders = client(endpoints().order);
    auto r = orders.post("/orders", body);
    EXPECT_EQ(r.status, 202) << r.body;
    return json(r)["id"].GetString();
}

std::string items_body(const std::vector<std::tuple<std::string, int64_t, int64_t>>& items) {
    std::string body = R"({"customer_id":"e2e","items":[)";
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& [listing, quantity, price] = items[i];
        body += (i ? "," : "") + std::string(R"({"listing_id":")") + listing + R"(","quantity":)" + std::to_string(quantity) +
                R"(,"unit_price_cents":)" + std::to_string(price) + "}";
    }
    return body + "]}";
}

// The status POST /orders answers for one unit of the catalog's first item, once the order
// service's pending count (refreshed every 250 ms) has caught up: a 429 is retried for 5 s.
int orders_post_status(const Catalog& catalog) {
    const auto& item = catalog.items[0];
    auto orders = client(endpoints().order);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
        const int status = orders.post("/orders", items_body({{item.listing_id, 1, item.price_cents}})).status;
        if (status != 429 || std::chrono::steady_clock::now() > deadline) return status;
        std::this_thread::sleep_for(100ms);
    }
}

// Polls GET /orders/{id} until it is final; "CONFIRMED" or "CANCELLED:<code>".
std::string outcome(const std::string& id, std::chrono::milliseconds within = 60s) {
    auto orders = client(endpoints().order);
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        auto d = json(orders.get("/orders/" + id));
        const std::string status = d["status"].GetString();
        if (status == "CONFIRMED") return status;
        if (status == "CANCELLED") return status + ":" + d["reason"]["code"].GetString();
        std::this_thread::sleep_for(50ms);
    }
    return "PENDING";
}

}  // namespace

TEST(StoreE2E, AnOrderOfListedActiveItemsAtTheQuotedPriceIsConfirmedAndItsUnitsAreSold) {
    const auto catalog = seed("confirm");
    const auto& a = catalog.items[0];
    const auto& b = catalog.items[1];
    const auto before = snapshot(catalog);
    const auto id = place(items_body({{a.listing_id, 2, a.price_cents}, {b.listing_id, 1, b.price_cents}}));
    EXPECT_EQ(outcome(id), "CONFIRMED");
    auto after = snapshot(catalog);
    // The stock commit follows the confirmation through the outbox: wait for it.
    for (int i = 0; i < 100 && after[0].stock == before[0].stock; ++i) {
        std::this_thread::sleep_for(50ms);
        after = snapshot(catalog);
    }
    EXPECT_EQ(after[0], (Snapshot{before[0].stock - 2, 0, before[0].listed - 2}));
    EXPECT_EQ(after[1], (Snapshot{before[1].stock - 1, 0, before[1].listed - 1}));

    auto order = json(client(endpoints().order).get("/orders/" + id));
    EXPECT_EQ(order["total_cents"].GetInt64(), 2 * a.price_cents + b.price_cents);
    ASSERT_TRUE(order["saga"].IsArray());
    EXPECT_EQ(std::string(order["saga"][order["saga"].Size() - 1]["to"].GetString()), "completed");
}

TEST(StoreE2E, EachFailureKindCancelsWithItsReasonAndLeavesStockAndListingsExactlyAsBefore) {
    const auto catalog = seed("failures");
    const auto& regular = catalog.items[0];
    const auto& scarce = catalog.items[3];
    const auto& retired = catalog.items[4];
    ASSERT_TRUE(scarce.scarce);
    ASSERT_FALSE(retired.active);
    const auto before = snapshot(catalog);
    struct Case {
        std::string name, body, expected;
    };
    const std::vector<Case> cases{
        {"out of stock (listing confirmed, then compensated)",
         items_body({{regular.listing_id, 1, regular.price_cents}, {scarce.listing_id, 50, scarce.price_cents}}),
         "CANCELLED:insufficient_stock"},
        {"delisted", items_body({{retired.listing_id, 1, retired.price_cents}}), "CANCELLED:listing_inactive"},
        {"wrong price", items_body({{regular.listing_id, 1, regular.price_cents + 1}}), "CANCELLED:price_changed"},
        {"more than listed", items_body({{regular.listing_id, regular.initial_listed + 1, regular.price_cents}}),
         "CANCELLED:insufficient_quantity"},
        {"unknown listing", items_body({{"00000000-0000-4000-8000-000000000001", 1, 100}}), "CANCELLED:listing_not_found"},
    };
    for (const auto& c : cases) EXPECT_EQ(outcome(place(c.body)), c.expected) << c.name;
    EXPECT_EQ(snapshot(catalog), before) << "a cancelled order changes no stock, reservation or listed quantity";
}

TEST(StoreE2E, ClientMistakesGetA4xxThatSaysWhatWasWrong) {
    auto orders = client(endpoints().order);
    auto products = client(endpoints().product);
    auto listings = client(endpoints().listing);
    auto expect_error = [](const http::Response& r, int status, const std::string& words) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_NE(r.body.find(words), std::string::npos) << r.body;
    };
    expect_error(orders.post("/orders", R"({"customer_id": "c1", "items": [)"), 400, "malformed_json");
    expect_error(orders.post("/orders", R"({"customer_id": "c1", "items": []})"), 400, "at least one item");
    expect_error(orders.post("/orders", items_body({{"00000000-0000-4000-8000-000000000001", -2, 100}})), 400,
                 "items[0].quantity");
    expect_error(orders.post("/orders", items_body({{"not-a-uuid", 1, 100}})), 400, "listing_id");
    expect_error(orders.get("/orders/00000000-0000-4000-8000-000000000001"), 404, "no order");
    expect_error(orders.get("/orders/nope"), 404, "no order");
    expect_error(orders.post("/orders", std::string(2 << 20, ' ')), 413, "");
    expect_error(products.post("/products", R"({"sku": "x", "name": "n", "price_cents": -1, "stock": 1})"), 400,
                 "price_cents");
    expect_error(products.post("/products", R"({"sku": "bad sku!", "name": "n", "price_cents": 1, "stock": 1})"), 400,
                 "sku");
    expect_error(products.post("/products/00000000-0000-4000-8000-000000000001/stock", R"({"delta": 1})"), 404,
                 "no product");
    expect_error(listings.request("PATCH", "/listings/00000000-0000-4000-8000-000000000001", R"({})"), 400,
                 "nothing to change");
    expect_error(listings.request("DELETE", "/listings"), 405, "");
    const auto catalog = seed("mistakes");
    expect_error(products.post("/products/" + catalog.items[0].product_id + "/stock", R"({"delta": -999999})"), 409,
                 "reserved");
}

// Quotes, comment markers and whole SQL statements in every text field a user or a message can
// set: each is stored and answered back byte for byte, and none runs (every table is still there).
TEST(StoreE2E, SqlInEveryHttpAndMessageFieldIsStoredAsTextAndNeverRuns) {
    const std::vector<std::string> hostile = {
        "Robert'); DROP TABLE product; --",
        "' OR '1'='1",
        "\"; DELETE FROM listing; --",
        "$1::text); SELECT pg_sleep(30); --",
        "back\\slash ' \" ; -- /* */ \xce\xa9 %s %n",
    };
    auto products = client(endpoints().product);
    auto listings = client(endpoints().listing);
    auto orders = client(endpoints().order);
    const auto run = courier::testing::unique_name("sqli");
    auto body = [](auto fill) {
        http::JsonWriter w;
        w.begin_object();
        fill(w);
        w.end_object();
        return w.str();
    };
    const auto& options = Store::store->options();
    auto database = [&](const std::string& service) {
        return pg::Connection::open(with_database(options.database, options.database_prefix + service));
    };
    auto order_db = database("order");
    for (std::size_t i = 0; i < hostile.size(); ++i) {
        const auto& text = hostile[i];
        SCOPED_TRACE(text);
        auto created = products.post("/products", body([&](http::JsonWriter& w) {
            w.key("sku").string(run + "-" + std::to_string(i)).key("name").string(text);
            w.key("price_cents").integer(100).key("stock").integer(10);
        }));
        ASSERT_EQ(created.status, 201) << created.body;
        const std::string product_id = json(created)["id"].GetString();
        EXPECT_EQ(std::string(json(products.get("/products/" + product_id))["name"].GetString()), text);

        auto listed = listings.post("/listings", body([&](http::JsonWriter& w) {
            w.key("product_id").string(product_id).key("title").string(text);
            w.key("price_cents").integer(100).key("quantity").integer(5);
        }));
        ASSERT_EQ(listed.status, 201) << listed.body;
        const std::string listing_id = json(listed)["id"].GetString();
        EXPECT_EQ(std::string(json(listings.get("/listings/" + listing_id))["title"].GetString()), text);
        auto patched = listings.patch("/listings/" + listing_id,
                                      body([&](http::JsonWriter& w) { w.key("title").string(text + " (2)"); }));
        EXPECT_EQ(patched.status, 200) << patched.body;
        EXPECT_EQ(std::string(json(listings.get("/listings/" + listing_id))["title"].GetString()), text + " (2)");

        auto placed = orders.post("/orders", body([&](http::JsonWriter& w) {
            w.key("customer_id").string("sqli.customer").key("customer_note").string(text);
            w.key("items").begin_array().begin_object();
            w.key("listing_id").string(listing_id).key("quantity").integer(1).key("unit_price_cents").integer(100);
            w.end_object().end_array();
        }));
        ASSERT_EQ(placed.status, 202) << placed.body;
        const std::string order_id = json(placed)["id"].GetString();
        EXPECT_EQ(outcome(order_id), "CONFIRMED");
        EXPECT_EQ(order_db.exec("SELECT placed->>'customer_note' FROM store_order WHERE id = $1::uuid", {order_id})
                      .get<std::string>(0, 0),
                  text);

        // Fields with a format refuse such text with a 4xx, never a 500.
        auto bad_sku = products.post("/products", body([&](http::JsonWriter& w) {
            w.key("sku").string(text).key("name").string("n").key("price_cents").integer(1).key("stock").integer(1);
        }));
        EXPECT_EQ(bad_sku.status, 400) << bad_sku.body;
        auto bad_listing = orders.post("/orders", items_body({{text, 1, 100}}));
        EXPECT_EQ(bad_listing.status, 400) << bad_listing.body;
        auto bad_customer = orders.post("/orders", body([&](http::JsonWriter& w) {
            w.key("customer_id").string(text).key("items").begin_array().begin_object();
            w.key("listing_id").string(listing_id).key("quantity").integer(1).key("unit_price_cents").integer(100);
            w.end_object().end_array();
        }));
        EXPECT_EQ(bad_customer.status, 400) << bad_customer.body;
    }
    for (const auto* path : {"/products/'%20OR%20'1'='1", "/products/1;DROP%20TABLE%20product",
                             "/orders/'%20OR%201=1%20--"}) {
        auto r = path[1] == 'p' ? products.get(path) : orders.get(path);
        EXPECT_TRUE(r.status == 400 || r.status == 404) << path << ": " << r.status << " " << r.body;
    }

    // A message field: the inbox keeps a command's ce_id as the text it is.
    const std::string message_id = hostile[0] + " " + run;
    {
        Properties kafka;
        kafka.set("bootstrap.servers", courier::testing::kafka_bootstrap());
        broker::kafka::KafkaPublisher publisher({kafka});
        Message command;
        command.topic = "store.listing.commands";
        const auto order_id = new_uuid();
        command.payload = R"({"order_id":")" + order_id +
                          R"(","items":[{"listing_id":"00000000-0000-4000-8000-000000000002","quantity":1,"unit_price_cents":1}]})";
        ce::Attributes a;
        a.id = message_id;
        a.type = "store.listing.confirm-listing.v1";
        a.source = "/e2e";
        a.subject = order_id;
        ce::stamp(command, a);
        publisher.publish(std::move(command)).get();
    }
    auto listing_db = database("listing");
    bool stored = false;
    for (int i = 0; i < 300 && !stored; ++i) {
        stored = listing_db.exec("SELECT count(*) FROM courier_inbox WHERE message_id = $1", {message_id})
                     .get<int64_t>(0, 0) == 1;
        if (!stored) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(stored) << "the command with ce_id '" << message_id << "' was not handled";

    for (const auto& [service, tables] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"product", {"product", "product_reservation", "courier_inbox", "courier_outbox"}},
             {"listing", {"listing", "product_availability", "courier_inbox", "courier_outbox"}},
             {"order", {"store_order", "courier_saga_instance", "courier_inbox", "courier_outbox"}}}) {
        auto db = database(service);
        for (const auto& table : tables) {
            EXPECT_FALSE(db.exec("SELECT to_regclass($1) IS NULL", {table}).get<bool>(0, 0))
                << service << " lost table " << table;
        }
    }
}

TEST(StoreE2E, ThousandsOfOrdersUnderLoadKeepEveryInvariant) {
    const auto catalog = seed_catalog(endpoints(), SeedOptions{10, 1000000, "load"});
    LoadOptions load;
    load.rate = 60;
    load.max_orders = 2000;
    load.failure_share = 0.25;
    load.bootstrap = courier::testing::kafka_bootstrap();
    const auto report = run_load(endpoints(), catalog, load);
    EXPECT_EQ(report.placed, 2000u);
    EXPECT_EQ(report.http_failures, 0u) << (report.http_errors.empty() ? "" : report.http_errors[0]);
    EXPECT_EQ(report.unfinished, 0u);
    EXPECT_EQ(report.unexpected_outcomes, 0u);
    EXPECT_GT(report.cancel_reasons.count("insufficient_stock"), 0u);
    EXPECT_GT(report.cancel_reasons.count("listing_inactive"), 0u);
    EXPECT_GT(report.cancel_reasons.count("price_changed"), 0u);
    const auto invariants = check_invariants(endpoints(), catalog, report);
    for (const auto& f : invariants.failed) ADD_FAILURE() << f;
    std::ostringstream summary;
    print_summary(summary, report, invariants);
    std::cout << summary.str();
}

TEST(StoreE2E, RebuildingTheProjectionByReplayGivesTheSameProjection) {
    const auto catalog = seed("rebuild");
    const auto id = place(items_body({{catalog.items[0].listing_id, 3, catalog.items[0].price_cents}}));
    ASSERT_EQ(outcome(id), "CONFIRMED");
    auto listings = client(endpoints().listing);
    auto read_projection = [&] {
        auto d = json(listings.get("/listings"));
        std::map<std::string, int64_t> out;
        for (const auto& l : d["listings"].GetArray()) {
            if (l["stock_available"].IsInt64()) out[l["id"].GetString()] = l["stock_available"].GetInt64();
        }
        return out;
    };
    // Let the projection settle, then corrupt it behind the service's back.
    std::this_thread::sleep_for(1s);
    const auto good = read_projection();
    const auto& o = Store::store->options();
    auto db = pg::Connection::open(with_database(o.database, o.database_prefix + "listing"));
    db.exec("UPDATE product_availability SET available = available + 13 WHERE product_id = $1::uuid",
            {catalog.items[0].product_id});
    db.exec("DELETE FROM product_availability WHERE product_id = $1::uuid", {catalog.items[1].product_id});
    ASSERT_NE(read_projection(), good);

    ChildProcess rebuild(o.listing_bin, {"--rebuild"},
                         {{"COURIER_BROKERS", o.bootstrap},
                          {"COURIER_DATABASE_URL", with_database(o.database, o.database_prefix + "listing")}},
                         o.log_dir / "rebuild.log");
    int status = -1;
    for (int i = 0; i < 1200 && rebuild.running(); ++i) std::this_thread::sleep_for(100ms);
    status = rebuild.stop(1s);
    ASSERT_EQ(status, 0) << rebuild.log_tail();
    EXPECT_NE(rebuild.log_tail().find("rebuilt product availability"), std::string::npos) << rebuild.log_tail();
    EXPECT_EQ(read_projection(), good);
}

TEST(StoreE2E, AStepThatTimesOutIsCompensatedAndTheLateCommandLeavesNothingReserved) {
    const auto catalog = seed("timeout");
    const auto& item = catalog.items[0];
    const auto before = snapshot(catalog);
    Store::store->process("product").stop();  // ReserveStock will wait in Kafka past its timeout
    const auto id = place(items_body({{item.listing_id, 1, item.price_cents}}));
    std::this_thread::sleep_for(22s);  // the 20 s step timeout passes; the compensation waits too
    Store::store->restart("product");
    EXPECT_EQ(outcome(id, 90s), "CANCELLED:timeout");
    // The late reservation and its release both ran: nothing reserved, nothing sold.
    auto after = snapshot(catalog);
    for (int i = 0; i < 100 && after != before; ++i) {
        std::this_thread::sleep_for(100ms);
        after = snapshot(catalog);
    }
    EXPECT_EQ(after, before);
}

TEST(StoreE2E, AnOrderIsOneTraceInJaegerAcrossTheThreeServices) {
    const auto catalog = seed("trace");
    auto orders = client(endpoints().order);
    auto placed = orders.post("/orders", items_body({{catalog.items[0].listing_id, 1, catalog.items[0].price_cents}}));
    ASSERT_EQ(placed.status, 202) << placed.body;
    std::string traceparent;
    for (const auto& [name, value] : placed.headers) {
        if (name == "traceparent" || name == "Traceparent") traceparent = value;
    }
    ASSERT_EQ(traceparent.size(), 55u) << "POST /orders answers with its trace";
    const auto trace_id = traceparent.substr(3, 32);
    ASSERT_EQ(outcome(json(placed)["id"].GetString()), "CONFIRMED");

    const auto query = jaeger("COURIER_TEST_JAEGER_QUERY");
    auto jaeger = client("http://" + query);
    std::set<std::string> services, operations;
    for (int i = 0; i < 150; ++i) {  // spans are batched: allow a few export rounds
        auto r = jaeger.get("/api/traces/" + trace_id);
        if (r.status == 200) {
            auto d = json(r);
            services.clear();
            operations.clear();
            if (d.HasMember("data") && d["data"].IsArray() && !d["data"].Empty()) {
                const auto& trace = d["data"][0];
                for (auto it = trace["processes"].MemberBegin(); it != trace["processes"].MemberEnd(); ++it) {
                    services.insert(it->value["serviceName"].GetString());
                }
                for (const auto& span : trace["spans"].GetArray()) operations.insert(span["operationName"].GetString());
            }
            if (services.size() >= 3 && operations.contains("process store.product.replies")) break;
        }
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(services, (std::set<std::string>{"courier-listing", "courier-order", "courier-product"}));
    EXPECT_TRUE(operations.contains("POST /orders"));
    EXPECT_TRUE(operations.contains("process store.listing.commands"));
    EXPECT_TRUE(operations.contains("process store.product.commands"));
    EXPECT_TRUE(operations.contains("process store.product.replies"));
}

namespace {
// The high-water mark of a process's resident memory (VmHWM), in MiB; -1 when unreadable.
double peak_rss_mib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // "VmHWM:  123 kB"
    }
    return -1;
}
}  // namespace

TEST(StoreE2E, AnOverloadedOrderServiceAnswers429WithRetryAfterAndEveryAcceptedOrderCompletes) {
    const auto catalog = seed_catalog(endpoints(), SeedOptions{3, 1000000, "overload"});
    // Clients post as fast as they are answered, far above what the sagas complete per second:
    // the order service must refuse the excess instead of queueing it.
    constexpr int kClients = 16;
    const auto drive_for = 10s;
    std::mutex mutex;
    std::vector<std::string> accepted;
    std::atomic<int> refused{0}, other{0};
    std::string retry_after, refusal_body, other_body;
    const auto started = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> clients;
        for (int c = 0; c < kClients; ++c) {
            clients.emplace_back([&, c] {
                auto orders = client(endpoints().order);
                const auto& item = catalog.items[static_cast<std::size_t>(c) % 3];
                const auto body = items_body({{item.listing_id, 1, item.price_cents}});
                while (std::chrono::steady_clock::now() - started < drive_for) {
                    auto r = orders.post("/orders", body);
                    // An impatient client: it retries after 5 ms, not after Retry-After's second.
                    if (r.status == 429) std::this_thread::sleep_for(5ms);
                    std::lock_guard lock(mutex);
                    if (r.status == 202) {
                        accepted.push_back(json(r)["id"].GetString());
                    } else if (r.status == 429) {
                        ++refused;
                        refusal_body = r.body;
                        for (const auto& [name, value] : r.headers) {
                            if (name == "Retry-After" || name == "retry-after") retry_after = value;
                        }
                    } else {
                        ++other;
                        other_body = r.body;
                    }
                }
            });
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(other.load(), 0) << "answers other than 202 and 429, e.g. " << other_body;
    EXPECT_GT(refused.load(), 0) << "the order service never shed load";
    EXPECT_NE(refusal_body.find("pending"), std::string::npos) << refusal_body;
    EXPECT_EQ(retry_after, "1");
    EXPECT_GE(accepted.size(), static_cast<std::size_t>(kMaxPending));

    std::size_t finished = 0;
    for (const auto& id : accepted) {
        const auto o = outcome(id, 120s);
        finished += o != "PENDING";
        EXPECT_TRUE(o == "CONFIRMED" || o.rfind("CANCELLED", 0) == 0) << id << " is " << o;
    }
    const double completion_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(orders_post_status(catalog), 202) << "accepts orders again once the backlog drained";

    // The report a skeptical reader wants: offered vs sustained rate and what memory it took.
    std::ostringstream report;
    report << "overload: " << kClients << " clients for " << seconds << " s offered "
           << (accepted.size() + static_cast<std::size_t>(refused.load())) / seconds << " orders/s; accepted "
           << accepted.size() << ", refused " << refused.load() << " with 429; all " << finished
           << " accepted orders finished within " << completion_seconds << " s (" << finished / completion_seconds
           << " orders/s sustained)\n";
    for (const auto* service : {"product", "listing", "order"}) {
        const double peak = peak_rss_mib(Store::store->process(service).pid());
        report << "overload: peak RSS of " << service << ": " << peak << " MiB\n";
        EXPECT_GT(peak, 0) << service;
        // Load shedding keeps memory flat: a service that queued the excess would grow with it.
        EXPECT_LT(peak, 512) << service << " used " << peak << " MiB under overload";
        ::testing::Test::RecordProperty(std::string("peak_rss_mib_") + service, std::to_string(peak));
    }
    std::cout << report.str();
}

namespace {

// docs/metrics.md: the families every service exports, and those only the order service has.
const std::vector<std::string> kEveryServiceFamilies{"courier_consumer_messages_total",
                                                     "courier_consumer_handler_duration_seconds",
                                                     "courier_consumer_lag_messages",
                                                     "courier_outbox_published_total",
                                                     "courier_outbox_publish_failures_total",
                                                     "courier_outbox_backlog_rows",
                                                     "courier_outbox_oldest_age_seconds",
                                                     "http_requests_total",
                                                     "http_request_duration_seconds",
                                                     "http_requests_in_flight",
                                                     "process_resident_memory_bytes",
                                                     "process_virtual_memory_bytes",
                                                     "process_open_fds",
                                                     "process_start_time_seconds",
                                                     "process_cpu_seconds_total"};
const std::vector<std::string> kOrderFamilies{
    "courier_saga_instances",        "courier_saga_oldest_active_age_seconds",
    "courier_saga_duration_seconds", "courier_saga_compensations_total",
    "courier_saga_timeouts_total",   "store_orders"};

}  // namespace

TEST(StoreE2E, EveryServiceExportsTheMetricContractThatPromtoolAccepts) {
    ASSERT_EQ(courier::testing::run_program("/bin/sh", {"-c", "command -v promtool"}).code, 0)
        << "promtool is missing: install the Debian package prometheus (scripts/setup installs "
           "scripts/apt-packages.txt)";
    const auto catalog = seed("metrics");
    const auto& item = catalog.items[0];
    EXPECT_EQ(outcome(place(items_body({{item.listing_id, 1, item.price_cents}}))), "CONFIRMED");
    EXPECT_EQ(outcome(place(items_body({{item.listing_id, 1, item.price_cents + 1}}))),
              "CANCELLED:price_changed");

    const std::map<std::string, std::string> urls{
        {"product", endpoints().product}, {"listing", endpoints().listing}, {"order", endpoints().order}};
    std::map<std::string, std::string> scraped;
    // What the two orders did, as the samples must show it: service, name, labels, at least.
    using Labels = std::vector<std::pair<std::string, std::string>>;
    const std::vector<std::tuple<std::string, std::string, Labels, double>> expected{
        {"order", "courier_saga_duration_seconds_count", {{"saga", "store.place-order"}, {"status", "completed"}}, 1},
        {"order", "courier_saga_duration_seconds_count", {{"saga", "store.place-order"}, {"status", "compensated"}}, 1},
        {"order", "courier_saga_compensations_total", {{"saga", "store.place-order"}}, 1},
        {"order", "courier_consumer_messages_total", {{"outcome", "handled"}, {"topic", "store.listing.replies"}}, 2},
        {"order", "courier_consumer_messages_total", {{"outcome", "handled"}, {"topic", "store.product.replies"}}, 1},
        {"order", "http_requests_total", {{"method", "POST"}, {"route", "/orders"}, {"status", "202"}}, 2},
        {"order", "store_orders", {{"status", "CONFIRMED"}}, 1},
        {"product", "courier_consumer_messages_total", {{"outcome", "handled"}, {"topic", "store.product.commands"}}, 1},
        {"listing", "courier_consumer_messages_total", {{"outcome", "handled"}, {"topic", "store.listing.commands"}}, 2},
    };
    // Counters move right after the commit that GET /orders/{id} may already see: scrape until
    // they show it.
    const auto counted = [&] {
        for (const auto& [service, name, labels, least] : expected) {
            if (courier::testing::sample_sum(scraped[service], name, labels) < least) return false;
        }
        return true;
    };
    for (const auto deadline = std::chrono::steady_clock::now() + 10s;;) {
        for (const auto& [service, url] : urls) {
            auto r = client(url).get("/metrics");
            ASSERT_EQ(r.status, 200) << service << ": " << r.body;
            EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8") << service;
            scraped[service] = r.body;
        }
        if (counted() || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(200ms);
    }
    for (const auto& [service, name, labels, least] : expected) {
        EXPECT_GE(courier::testing::sample_sum(scraped[service], name, labels), least) << service << ": " << name;
    }

    std::vector<std::string> files;
    for (const auto& [service, text] : scraped) {
        const auto file = Store::store->options().log_dir / ("metrics-" + service + ".prom");
        std::ofstream(file) << text;
        files.push_back(file.string());
        // promtool reads the exposition from stdin only.
        const auto lint = courier::testing::run_program("/bin/sh", {"-c", "exec promtool check metrics < \"$0\"", file.string()});
        EXPECT_EQ(lint.code, 0) << service << " (" << file << "): " << lint.out << lint.err;
        EXPECT_EQ(lint.out + lint.err, "") << service << " (" << file << ")";
        for (const auto& family : kEveryServiceFamilies) {
            EXPECT_NE(text.find("# TYPE " + family + " "), std::string::npos)
                << service << " lacks " << family;
        }
        for (const auto& family : kOrderFamilies) {
            EXPECT_EQ(text.find("# TYPE " + family + " ") != std::string::npos, service == "order")
                << family << " in " << service;
        }
        EXPECT_NE(text.find("\ncourier_consumer_lag_messages{partition=\"0\",topic=\"store."),
                  std::string::npos)
            << service << ": no lag read";
        EXPECT_GE(courier::testing::sample_sum(text, "courier_outbox_published_total"), 1) << service;
        EXPECT_GT(courier::testing::sample_sum(text, "process_resident_memory_bytes"), 0) << service;
    }
    EXPECT_NE(scraped["order"].find(
                  R"(courier_saga_timeouts_total{saga="store.place-order",step="reserve-stock"} )"),
              std::string::npos);

    // The alert rules and the dashboard in compose/ use only families the services export.
    std::vector<std::string> args{(std::filesystem::path(COURIER_REPO_ROOT) / "compose" / "check_metric_refs.py").string()};
    args.insert(args.end(), files.begin(), files.end());
    const auto refs = courier::testing::run_program("/usr/bin/python3", args);
    EXPECT_EQ(refs.code, 0) << refs.out << refs.err;
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new Store);  // gtest owns it
    return RUN_ALL_TESTS();
}
