// The demo store end to end: the three services as processes over a real Kafka broker and a real
// PostgreSQL server (started by scripts/test), driven over HTTP as users and `courier demo` do.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <set>
#include <map>
#include <sstream>
#include <thread>

#include "courier/demo/store_demo.hpp"
#include "courier/http/client.hpp"
#include "courier/pg/connection.hpp"
#include "courier/testing/environment.hpp"

using namespace std::chrono_literals;
using namespace courier;
using namespace courier::demo;

namespace {

uint16_t free_port_block() {
    // Three consecutive free ports, found by binding (the services bind them a moment later).
    for (int attempt = 0; attempt < 50; ++attempt) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        ::close(fd);
        const uint16_t base = ntohs(a.sin_port);
        if (base > 60000) continue;
        bool all_free = true;
        for (uint16_t p = base; p < base + 3; ++p) {
            int f = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in b{};
            b.sin_family = AF_INET;
            b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            b.sin_port = htons(p);
            all_free = all_free && ::bind(f, reinterpret_cast<sockaddr*>(&b), sizeof b) == 0;
            ::close(f);
        }
        if (all_free) return base;
    }
    throw std::runtime_error("no three consecutive free ports on 127.0.0.1");
}

// Where the test Jaeger is (scripts/test starts one); the store exports its spans there.
std::string env_or_fail(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        throw std::runtime_error(std::string(name) +
                                 " is not set: run the tests through scripts/test, which starts Jaeger "
                                 "(or `scripts/jaeger start` and export COURIER_TEST_JAEGER_OTLP and "
                                 "COURIER_TEST_JAEGER_QUERY)");
    }
    return value;
}

// The order service sheds load above this many pending orders (the load test stays far below).
constexpr int kMaxPending = 300;

// One store for the whole suite: the topics are the store's fixed names, so two stores on one
// broker would read each other's commands.
class Store : public ::testing::Environment {
public:
    void SetUp() override {
        LaunchOptions o;
        o.product_bin = COURIER_PRODUCT_BIN;
        o.listing_bin = COURIER_LISTING_BIN;
        o.order_bin = COURIER_ORDER_BIN;
        o.bootstrap = courier::testing::kafka_bootstrap();
        o.database = courier::testing::pg_dsn();
        const auto run = courier::testing::unique_name("e2e");
        o.database_prefix = run + "_";
        o.group_prefix = run + "-";
        o.base_port = free_port_block();
        o.log_dir = std::filesystem::path(COURIER_TEST_LOG_DIR) / run;
        o.step_timeout = 20s;  // generous: ctest runs other suites beside this one on 2 cores
        o.partitions = 4;
        o.extra_env = {{"OTEL_EXPORTER_OTLP_ENDPOINT", env_or_fail("COURIER_TEST_JAEGER_OTLP")},
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

    const auto query = env_or_fail("COURIER_TEST_JAEGER_QUERY");
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

TEST(StoreE2E, AnOverloadedOrderServiceAnswers429WithRetryAfterAndEveryAcceptedOrderCompletes) {
    const auto catalog = seed("overload");
    const auto& item = catalog.items[0];
    // With the listing service away, orders pile up PENDING until the order service sheds.
    Store::store->process("listing").stop();
    auto orders = client(endpoints().order);
    std::vector<std::string> accepted;
    int refused = 0;
    std::string retry_after;
    const auto body = items_body({{item.listing_id, 1, item.price_cents}});
    for (int i = 0; i < kMaxPending * 2 && refused < 20; ++i) {
        auto r = orders.post("/orders", body);
        if (r.status == 202) {
            accepted.push_back(json(r)["id"].GetString());
        } else {
            ASSERT_EQ(r.status, 429) << r.body;
            EXPECT_NE(r.body.find("pending"), std::string::npos) << r.body;
            for (const auto& [name, value] : r.headers) {
                if (name == "Retry-After" || name == "retry-after") retry_after = value;
            }
            ++refused;
            std::this_thread::sleep_for(10ms);
        }
    }
    Store::store->restart("listing");
    EXPECT_GT(refused, 0) << "the order service never shed load";
    EXPECT_EQ(retry_after, "1");
    EXPECT_GE(accepted.size(), static_cast<std::size_t>(kMaxPending));
    for (const auto& id : accepted) {
        const auto o = outcome(id, 120s);
        EXPECT_TRUE(o == "CONFIRMED" || o.rfind("CANCELLED", 0) == 0) << id << " is " << o;
    }
    EXPECT_EQ(orders.post("/orders", body).status, 202) << "accepts orders again once the backlog drained";
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new Store);  // gtest owns it
    return RUN_ALL_TESTS();
}
