// docs/runbook.md's scenarios 1-3 against the demo store: the three services as processes over a
// real Kafka broker and a real PostgreSQL server (as in store_e2e_tests), each scenario's commands
// run by the real `courier` binary on the store's own topics and consumer groups, and the outcome
// the runbook promises checked where the store keeps it: the listing service's projection, the
// services' HTTP APIs and metrics, the topics and the groups' committed offsets.
// (Scenario 4, the projection rebuild, is in store_e2e_tests.)

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/range_reader.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/errors.hpp"
#include "courier/demo/store_demo.hpp"
#include "courier/http/client.hpp"
#include "courier/http/json.hpp"
#include "courier/pg/connection.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/program.hpp"
#include "courier/testing/prometheus_text.hpp"
#include "test_store.hpp"

using namespace std::chrono_literals;
using namespace courier;
using broker::TopicPartition;

namespace {

// The store's fixed topic names (DESIGN.md §10).
constexpr const char* kProductEvents = "store.product.events";
constexpr const char* kListingCommands = "store.listing.commands";

// What each service's consumer group reads (the services' router.handle calls).
const std::map<std::string, std::vector<std::string>> kGroupTopics{
    {"product", {"store.product.commands"}},
    {"listing", {kListingCommands, kProductEvents}},
    {"order", {"store.listing.replies", "store.product.replies"}},
};

// The broker may already hold other stores' messages on these topics (store_e2e_tests, earlier
// runs: tens of thousands after a load test). This store's groups are new and would begin at the
// earliest offset, answering every old command and working through every old reply before
// anything the tests do; so they start where the topics end now — the runbook's own way of
// starting a new service (scenario 3, `groups reset-offsets --to-latest`), here via the admin API.
void start_groups_at_the_end(const demo::LaunchOptions& o) {
    Properties properties;
    properties.set("bootstrap.servers", o.bootstrap);
    broker::kafka::KafkaAdmin admin(properties);
    const auto existing = admin.list_topics();
    for (const auto& [service, topics] : kGroupTopics) {
        std::vector<broker::kafka::CommittedOffset> offsets;
        for (const auto& topic : topics) {
            if (std::find(existing.begin(), existing.end(), topic) == existing.end()) continue;
            for (auto p : admin.describe_topic(topic).partitions) {
                offsets.push_back({{topic, p}, admin.watermarks({topic, p}).high});
            }
        }
        if (!offsets.empty()) admin.alter_group_offsets(o.group_prefix + service, offsets);
    }
}

// One store for the suite, as in store_e2e_tests: its topics are the store's fixed names, so
// CTest never runs this executable beside store_e2e_tests (RESOURCE_LOCK courier_store_topics).
class RunbookStore : public ::testing::Environment {
public:
    void SetUp() override {
        auto o = courier::testing::test_store_options("runbook");
        // Scenario 2 keeps an order waiting while the listing service is down: far more than that.
        o.step_timeout = 120s;
        start_groups_at_the_end(o);
        store = std::make_unique<demo::RunningStore>(o);
    }
    void TearDown() override { store.reset(); }
    static inline std::unique_ptr<demo::RunningStore> store;
};

demo::RunningStore& store() { return *RunbookStore::store; }
const demo::LaunchOptions& options() { return store().options(); }
std::string group_of(const std::string& service) { return options().group_prefix + service; }

template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return condition();
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// As operators type times: RFC 3339 UTC with milliseconds.
std::string rfc3339(int64_t ms) {
    return ce::format_time(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

// ---- the courier CLI -------------------------------------------------------------------------

// Runs the real `courier` binary against the store's broker; every command and what it printed
// also goes to courier-commands.log in the store's log directory.
courier::testing::ProgramRun courier_cli(std::vector<std::string> args) {
    args.push_back("-b");
    args.push_back(options().bootstrap);
    auto run = courier::testing::run_program(COURIER_BIN, args, 3min);
    std::ofstream log(options().log_dir / "courier-commands.log", std::ios::app);
    log << "$ courier";
    for (const auto& a : args) log << " " << a;
    log << "\n"
        << run.out << run.err << "(exit " << run.code << (run.timed_out ? ", timed out" : "") << ")\n\n";
    return run;
}

std::string printed(const courier::testing::ProgramRun& run) {
    return "exit " + std::to_string(run.code) + "\n--- stdout\n" + run.out + "--- stderr\n" + run.err;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- Kafka -----------------------------------------------------------------------------------

Properties kafka() {
    Properties p;
    p.set("bootstrap.servers", options().bootstrap);
    return p;
}

broker::kafka::KafkaAdmin& admin() {
    static broker::kafka::KafkaAdmin instance(kafka());
    return instance;
}

// Every message of `topic` now (each partition from its start to its current end).
std::vector<Message> read_topic(const std::string& topic) {
    std::vector<Message> out;
    broker::kafka::RangeReader reader(kafka(), broker::kafka::RangeBounds{topic, {}, {}, {}, {}, {}});
    reader.read([&](const Message& m) {
        out.push_back(m);
        return true;
    });
    return out;
}

std::map<TopicPartition, int64_t> end_offsets(const std::string& topic) {
    std::map<TopicPartition, int64_t> ends;
    for (auto p : admin().describe_topic(topic).partitions)
        ends[{topic, p}] = admin().watermarks({topic, p}).high;
    return ends;
}

int64_t total(const std::map<TopicPartition, int64_t>& offsets) {
    int64_t sum = 0;
    for (const auto& [tp, offset] : offsets) sum += offset;
    return sum;
}

std::map<TopicPartition, int64_t> committed(const std::string& group, const std::string& topic) {
    std::map<TopicPartition, int64_t> out;
    for (const auto& c : admin().committed_offsets(group)) {
        if (c.partition.topic == topic) out[c.partition] = c.offset;
    }
    return out;
}

// True once `group` has committed the end of every partition of each topic.
bool caught_up(const std::string& group, const std::vector<std::string>& topics) {
    for (const auto& topic : topics) {
        for (const auto& lag : admin().group_lag(group, topic)) {
            if (lag.lag != 0) return false;
        }
    }
    return true;
}

std::string header(const Message& m, std::string_view name) {
    return std::string(m.headers.get(name).value_or(""));
}

// ---- the store over HTTP and in its databases ------------------------------------------------

http::Client client(const std::string& url) {
    auto [host, port] = http::parse_http_url(url);
    return http::Client(host, port);
}

rapidjson::Document json(const http::Response& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    if (d.HasParseError() || !d.IsObject()) throw std::runtime_error("not a JSON object: " + r.body);
    return d;
}

std::string create_product(const std::string& sku, int64_t stock) {
    http::JsonWriter w;
    w.begin_object().key("sku").string(sku).key("name").string("Runbook " + sku);
    w.key("price_cents").integer(1000).key("stock").integer(stock).end_object();
    auto r = client(store().endpoints().product).post("/products", w.str());
    if (r.status != 201)
        throw std::runtime_error("POST /products answered " + std::to_string(r.status) + ": " + r.body);
    return json(r)["id"].GetString();
}

void adjust_stock(const std::string& product_id, int64_t delta) {
    http::JsonWriter w;
    w.begin_object().key("delta").integer(delta).end_object();
    auto r = client(store().endpoints().product).post("/products/" + product_id + "/stock", w.str());
    if (r.status != 200)
        throw std::runtime_error("POST /products/{id}/stock answered " + std::to_string(r.status) + ": " +
                                 r.body);
}

std::string create_listing(const std::string& product_id, int64_t price_cents, int64_t quantity) {
    http::JsonWriter w;
    w.begin_object().key("product_id").string(product_id).key("title").string("Runbook listing");
    w.key("price_cents").integer(price_cents).key("quantity").integer(quantity).key("active").boolean(true);
    w.end_object();
    auto r = client(store().endpoints().listing).post("/listings", w.str());
    if (r.status != 201)
        throw std::runtime_error("POST /listings answered " + std::to_string(r.status) + ": " + r.body);
    return json(r)["id"].GetString();
}

std::string place_order(const std::string& listing_id, int64_t quantity, int64_t unit_price_cents) {
    http::JsonWriter w;
    w.begin_object().key("customer_id").string("runbook").key("items").begin_array().begin_object();
    w.key("listing_id").string(listing_id).key("quantity").integer(quantity);
    w.key("unit_price_cents").integer(unit_price_cents).end_object().end_array().end_object();
    auto r = client(store().endpoints().order).post("/orders", w.str());
    if (r.status != 202)
        throw std::runtime_error("POST /orders answered " + std::to_string(r.status) + ": " + r.body);
    return json(r)["id"].GetString();
}

// "CONFIRMED", "CANCELLED:<code>" or "PENDING".
std::string order_status(const std::string& order_id) {
    auto d = json(client(store().endpoints().order).get("/orders/" + order_id));
    const std::string status = d["status"].GetString();
    if (status == "CANCELLED") return status + ":" + d["reason"]["code"].GetString();
    return status;
}

// A product's availability and version: what the product service says, or a projection row.
struct Availability {
    int64_t available = 0;
    int64_t version = 0;
    bool operator==(const Availability&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Availability& a) {
    return out << "{available " << a.available << ", version " << a.version << "}";
}
std::ostream& operator<<(std::ostream& out, const std::optional<Availability>& a) {
    if (!a) return out << "(no row)";
    return out << *a;
}

struct ProductState {
    Availability availability;
    int64_t reserved = 0;
};
ProductState product_state(const std::string& product_id) {
    auto d = json(client(store().endpoints().product).get("/products/" + product_id));
    return {{d["available"].GetInt64(), d["version"].GetInt64()}, d["reserved"].GetInt64()};
}

pg::Connection listing_db() {
    return pg::Connection::open(
        demo::with_database(options().database, options().database_prefix + "listing"));
}

// The listing service's projection row of a product (product_availability).
std::optional<Availability> projected(pg::Connection& db, const std::string& product_id) {
    auto rows = db.exec("SELECT available, version FROM product_availability WHERE product_id = $1::uuid",
                        {product_id});
    if (rows.empty()) return std::nullopt;
    return Availability{rows.get<int64_t>(0, 0), rows.get<int64_t>(0, 1)};
}

// The projection row equals what the product service says now.
bool projection_matches(pg::Connection& db, const std::string& product_id) {
    return projected(db, product_id) == std::optional(product_state(product_id).availability);
}

double listing_metric(const std::vector<std::pair<std::string, std::string>>& labels) {
    auto r = client(store().endpoints().listing).get("/metrics");
    if (r.status != 200)
        throw std::runtime_error("GET /metrics of listing answered " + std::to_string(r.status));
    return courier::testing::sample_sum(r.body, "courier_consumer_messages_total", labels);
}

}  // namespace

// Runbook 1: "A consumer bug sent messages to the dead-letter topic".
//
// The bug is real to the consumer: a faulty release of the projection that cannot store more
// than 99,999 units, installed here as a trigger on the listing service's product_availability
// table. The listing's handler runs its real upsert; PostgreSQL answers SQLSTATE P0001, which
// courier classifies as permanent (pg/src/errors.cpp), so the router retries it
// (RetryPolicy::max_permanent_attempts) and then dead-letters it as retries-exhausted — the
// path any deterministic failure of the projection's write takes. "Deploying the fix" drops it.
TEST(StoreRunbook, AProjectionBugDeadLettersProductEventsAndARedriveByKeyAfterTheFixProjectsThemOnce) {
    const auto listing = group_of("listing");
    auto db = listing_db();
    ASSERT_TRUE(wait_until([&] { return caught_up(listing, {kProductEvents}); }, 120s))
        << "the listing service did not catch up with " << kProductEvents;

    const auto incident = courier::testing::unique_name("overflow");
    db.exec(
        "CREATE FUNCTION runbook_storefront_counter() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.available > 99999 THEN RAISE EXCEPTION 'storefront counter overflow (" +
        incident + "): % units of product %', NEW.available, NEW.product_id; END IF; RETURN NEW; END $$");
    db.exec(
        "CREATE TRIGGER runbook_storefront_counter BEFORE INSERT OR UPDATE ON product_availability "
        "FOR EACH ROW EXECUTE FUNCTION runbook_storefront_counter()");
    bool fixed = false;
    const std::function<void()> deploy_the_fix = [&] {
        db.exec("DROP TRIGGER IF EXISTS runbook_storefront_counter ON product_availability");
        db.exec("DROP FUNCTION IF EXISTS runbook_storefront_counter()");
        fixed = true;
    };
    struct FixOnExit {  // an assertion that ends the test early must not leave the bug behind
        std::function<void()> fix;
        const bool& fixed;
        ~FixOnExit() {
            try {
                if (!fixed) fix();
            } catch (const std::exception& e) {
                ADD_FAILURE() << "could not drop the bug's trigger: " << e.what();
            }
        }
    } fix_on_exit{deploy_the_fix, fixed};

    const auto small = create_product(incident + "-small", 10);  // below the limit: projected
    const auto a = create_product(incident + "-a", 250000);
    const auto b = create_product(incident + "-b", 300000);
    const auto c = create_product(incident + "-c", 400000);  // dead-lettered too, redriven another day
    adjust_stock(a, +5);  // a's second event, dead-lettered after the first

    std::map<std::string, std::vector<Message>> dead;  // by key, in dead-letter-topic order
    const auto read_dead_letters = [&] {
        dead.clear();
        for (auto& m : read_topic(std::string(kProductEvents) + ".dlq")) {
            if (m.key && (*m.key == a || *m.key == b || *m.key == c)) dead[*m.key].push_back(std::move(m));
        }
        return dead[a].size() == 2 && dead[b].size() == 1 && dead[c].size() == 1;
    };
    ASSERT_TRUE(wait_until(read_dead_letters))
        << "dead letters of a, b, c: " << dead[a].size() << ", " << dead[b].size() << ", " << dead[c].size()
        << " (want 2, 1, 1)";
    ASSERT_TRUE(wait_until([&] { return projection_matches(db, small); })) << "the bug hit only large stock";
    for (const auto& id : {a, b, c}) EXPECT_EQ(projected(db, id), std::nullopt) << id;
    const Message& first = dead[a].front();
    EXPECT_EQ(header(first, "courier-dlq-reason"), "retries-exhausted");
    EXPECT_EQ(header(first, "courier-dlq-error-kind"), "permanent");
    EXPECT_EQ(header(first, "courier-dlq-attempts"), "3");
    EXPECT_EQ(header(first, "courier-dlq-group"), listing);
    EXPECT_EQ(header(first, "courier-dlq-original-topic"), kProductEvents);
    EXPECT_EQ(header(first, "ce_type"), "store.product.created.v1");
    EXPECT_TRUE(has(header(first, "courier-dlq-error"), "P0001")) << header(first, "courier-dlq-error");

    // What is there, for this incident (the dead-letter topic also holds older ones):
    auto listed = courier_cli({"dlq", "list", "-t", kProductEvents, "--error", incident});
    ASSERT_EQ(listed.code, 0) << printed(listed);
    EXPECT_TRUE(has(listed.out, "4 dead letter(s) in store.product.events.dlq")) << listed.out;
    std::istringstream rows(listed.out);
    std::string word, reason;
    int count = 0;
    for (std::string line; std::getline(rows, line);) {
        std::istringstream fields(line);
        if (fields >> word >> reason >> count && word == kProductEvents) break;
        count = 0;
    }
    EXPECT_EQ(reason, "retries-exhausted") << listed.out;
    EXPECT_EQ(count, 4) << listed.out;
    EXPECT_TRUE(has(listed.out, "storefront counter overflow")) << listed.out;

    // One dead letter in full:
    auto shown =
        courier_cli({"dlq", "show", "-t", kProductEvents, "-p", std::to_string(first.metadata->partition),
                     "-o", std::to_string(first.metadata->offset)});
    ASSERT_EQ(shown.code, 0) << printed(shown);
    EXPECT_TRUE(has(shown.out, "key:       " + a)) << shown.out;
    EXPECT_TRUE(has(shown.out, "courier-dlq-error: pg.P0001: ")) << shown.out;
    EXPECT_TRUE(has(shown.out, "storefront counter overflow (" + incident + "): 250000 units")) << shown.out;
    EXPECT_TRUE(has(shown.out, "courier-dlq-reason: retries-exhausted")) << shown.out;
    EXPECT_TRUE(has(shown.out, "ce_id: " + header(first, "ce_id"))) << shown.out;
    EXPECT_TRUE(has(shown.out, "\"product_id\": \"" + a + "\"")) << shown.out;

    deploy_the_fix();

    // See what a redrive of a and b would send, then send it, gently; c stays where it is.
    const auto events_before = total(end_offsets(kProductEvents));
    for (const auto& [id, n] : {std::pair{a, 2}, std::pair{b, 1}}) {
        auto dry = courier_cli({"dlq", "redrive", "-t", kProductEvents, "--key", id, "--dry-run"});
        ASSERT_EQ(dry.code, 0) << printed(dry);
        EXPECT_TRUE(
            has(dry.out, "would redrive " + std::to_string(n) + " message(s) to store.product.events"))
            << dry.out;
        EXPECT_TRUE(has(dry.out, "dry run: nothing sent")) << dry.out;
    }
    EXPECT_EQ(total(end_offsets(kProductEvents)), events_before) << "a dry run sends nothing";
    for (const auto& [id, n] : {std::pair{a, 2}, std::pair{b, 1}}) {
        auto redriven = courier_cli({"dlq", "redrive", "-t", kProductEvents, "--key", id, "--rate", "100"});
        ASSERT_EQ(redriven.code, 0) << printed(redriven);
        EXPECT_TRUE(has(redriven.out, "redrove " + std::to_string(n) + " message(s) to store.product.events"))
            << redriven.out;
    }
    ASSERT_TRUE(wait_until([&] { return projection_matches(db, a) && projection_matches(db, b); }))
        << "a: " << projected(db, a) << ", b: " << projected(db, b);
    EXPECT_EQ(projected(db, a), (Availability{250005, 2}));
    EXPECT_EQ(projected(db, b), (Availability{300000, 1}));
    // The group catches up; its lag returns to 0.
    ASSERT_TRUE(wait_until([&] { return caught_up(listing, {kProductEvents}); }));
    auto described = courier_cli({"groups", "describe", "-g", listing, "-t", kProductEvents});
    ASSERT_EQ(described.code, 0) << printed(described);
    EXPECT_TRUE(has(described.out, "total lag 0")) << described.out;
    EXPECT_EQ(projected(db, c), std::nullopt) << "the redrive by key left c's dead letter alone";

    // a moves on; a second redrive of the same dead letters by mistake changes nothing.
    adjust_stock(a, -1);
    ASSERT_TRUE(wait_until([&] { return projection_matches(db, a); }));
    const auto a_now = projected(db, a), b_now = projected(db, b);
    ASSERT_EQ(a_now, (Availability{250004, 3}));
    const auto handled_before = listing_metric({{"outcome", "handled"}, {"topic", kProductEvents}});
    for (const auto& id : {a, b}) {
        auto again = courier_cli({"dlq", "redrive", "-t", kProductEvents, "--key", id});
        ASSERT_EQ(again.code, 0) << printed(again);
    }
    // The copies were consumed (handled: the upsert keeps the newer version) and committed past.
    ASSERT_TRUE(wait_until([&] {
        return listing_metric({{"outcome", "handled"}, {"topic", kProductEvents}}) >= handled_before + 3 &&
               caught_up(listing, {kProductEvents});
    }));
    EXPECT_EQ(projected(db, a), a_now);
    EXPECT_EQ(projected(db, b), b_now);
    EXPECT_EQ(projected(db, c), std::nullopt);
    ASSERT_TRUE(read_dead_letters()) << "nothing was dead-lettered again";
}

// Runbook 2: "A consumer group lost its committed offsets".
TEST(StoreRunbook, AListingGroupThatLostItsOffsetsIsResetToTheTimeItStoppedAndCatchesUp) {
    const auto listing = group_of("listing");
    const std::vector<std::string> topics{kProductEvents, kListingCommands};  // what the listing group reads
    auto db = listing_db();
    const auto run = courier::testing::unique_name("lost");
    const auto p = create_product(run + "-p", 50);
    const auto listed = create_listing(p, 1500, 10);
    ASSERT_TRUE(wait_until([&] { return projection_matches(db, p); }));
    ASSERT_TRUE(wait_until([&] { return caught_up(listing, topics); }, 120s));

    // The service stops; its offsets are lost while it is down (here: the group is deleted).
    EXPECT_EQ(store().process("listing").stop(), 0) << "SIGTERM stops the listing service cleanly";
    const auto stopped_at = now_ms();
    std::map<std::string, std::map<TopicPartition, int64_t>> ends_at_stop;
    for (const auto& topic : topics) ends_at_stop[topic] = end_offsets(topic);

    adjust_stock(p, +7);
    const auto q = create_product(run + "-q", 33);
    const auto order = place_order(listed, 2, 1500);  // ConfirmListing waits in store.listing.commands
    ASSERT_TRUE(wait_until([&] {
        return total(end_offsets(kProductEvents)) >= total(ends_at_stop[kProductEvents]) + 2 &&
               total(end_offsets(kListingCommands)) >= total(ends_at_stop[kListingCommands]) + 1;
    })) << "the events and the command of the downtime reached Kafka";
    ASSERT_TRUE(wait_until([&] {  // once the stopped member's leave has been processed
        try {
            admin().delete_group(listing);
            return true;
        } catch (const CourierError&) {
            return false;
        }
    })) << "could not delete group "
        << listing;

    auto gone = courier_cli({"groups", "describe", "-g", listing});
    EXPECT_EQ(gone.code, 1) << printed(gone);
    EXPECT_TRUE(has(gone.err, "does not exist")) << gone.err;

    const auto when = rfc3339(stopped_at);
    for (const auto& topic : topics) {
        SCOPED_TRACE(topic);
        // Plan: the offsets the group would start from, per partition, for the time it stopped.
        auto plan =
            courier_cli({"groups", "reset-offsets", "-g", listing, "-t", topic, "--to-datetime", when});
        ASSERT_EQ(plan.code, 0) << printed(plan);
        EXPECT_TRUE(has(plan.out, "nothing changed")) << plan.out;
        std::map<TopicPartition, int64_t> planned;
        std::set<std::string> current_offsets;  // "-": nothing committed
        std::istringstream lines(plan.out);
        for (std::string line; std::getline(lines, line);) {
            std::istringstream fields(line);
            std::string name, current;
            int32_t partition = -1;
            int64_t target = -1;
            if (fields >> name >> partition >> current >> target && name == topic) {
                planned[{topic, partition}] = target;
                current_offsets.insert(current);
            }
        }
        EXPECT_EQ(current_offsets, std::set<std::string>{"-"}) << "the group lost its offsets\n" << plan.out;
        // Nothing arrived between the service's last commit and its stop: the plan starts each
        // partition exactly where the topic ended when the service stopped.
        EXPECT_EQ(planned, ends_at_stop[topic]) << plan.out;

        auto done = courier_cli(
            {"groups", "reset-offsets", "-g", listing, "-t", topic, "--to-datetime", when, "--execute"});
        ASSERT_EQ(done.code, 0) << printed(done);
        EXPECT_TRUE(has(done.out, "reset " + std::to_string(planned.size()) + " partition(s) of " + topic))
            << done.out;
        EXPECT_EQ(committed(listing, topic), planned) << "the committed offsets are the plan's";
    }
    auto described = courier_cli({"groups", "describe", "-g", listing, "-t", kProductEvents});
    ASSERT_EQ(described.code, 0) << printed(described);
    EXPECT_TRUE(has(described.out, "state Empty")) << described.out;

    // Start the service: it reads what arrived while it was down, nothing lost.
    store().restart("listing");
    EXPECT_TRUE(wait_until([&] { return order_status(order) != "PENDING"; }, 90s));
    EXPECT_EQ(order_status(order), "CONFIRMED");
    ASSERT_TRUE(wait_until([&] {
        return product_state(p).reserved == 0 && projection_matches(db, p) && projection_matches(db, q);
    })) << "p: "
        << projected(db, p) << " vs " << product_state(p).availability << "; q: " << projected(db, q);
    EXPECT_EQ(product_state(p).availability.available, 55);
    EXPECT_EQ(projected(db, q), (Availability{33, 1}));
    EXPECT_EQ(json(client(store().endpoints().listing).get("/listings/" + listed))["quantity"].GetInt64(), 8);
    EXPECT_TRUE(wait_until([&] { return caught_up(listing, topics); }));
}

// Runbook 3: "A new service needs yesterday's events" — here a search service that needs the
// product events of a past time range, copied onto the same topic for its group alone.
TEST(StoreRunbook, ANewSearchServiceGetsARangeOfProductEventsByAReplayThatTheListingServiceSkips) {
    const auto listing = group_of("listing");
    const auto search = group_of("search");
    auto db = listing_db();
    const auto run = courier::testing::unique_name("backfill");
    ASSERT_TRUE(wait_until([&] { return caught_up(listing, {kProductEvents}); }, 120s));

    // Product events before, inside and after the range [since, until).
    const auto early = create_product(run + "-early", 5);
    ASSERT_TRUE(wait_until([&] { return projection_matches(db, early); }));
    const int64_t since = now_ms() + 1;  // after early's timestamp, which is at most now
    ASSERT_TRUE(wait_until([&] { return now_ms() > since; }));
    const auto x1 = create_product(run + "-x1", 11);
    const auto x2 = create_product(run + "-x2", 12);
    const auto x3 = create_product(run + "-x3", 13);
    adjust_stock(x1, +1);
    ASSERT_TRUE(wait_until([&] {
        return projection_matches(db, x1) && projection_matches(db, x2) && projection_matches(db, x3) &&
               projected(db, x1) == std::optional(Availability{12, 2});
    }));
    const int64_t until = now_ms() + 1;
    ASSERT_TRUE(wait_until([&] { return now_ms() > until; }));
    const auto late = create_product(run + "-late", 14);
    ASSERT_TRUE(wait_until([&] { return projection_matches(db, late); }));

    // What the range holds: the original events stamped in it (ce_id, key), by the topic itself.
    std::multiset<std::pair<std::string, std::string>> in_range;  // (key, ce_type)
    std::map<std::string, std::string> key_of;                    // ce_id -> key
    for (const auto& m : read_topic(kProductEvents)) {
        if (m.metadata->timestamp_ms < since || m.metadata->timestamp_ms >= until ||
            m.headers.contains("courier-replay-id"))
            continue;
        in_range.emplace(m.key.value_or(""), header(m, "ce_type"));
        key_of[header(m, "ce_id")] = m.key.value_or("");
    }
    const std::multiset<std::pair<std::string, std::string>> made{{x1, "store.product.created.v1"},
                                                                  {x1, "store.product.stock-changed.v1"},
                                                                  {x2, "store.product.created.v1"},
                                                                  {x3, "store.product.created.v1"}};
    ASSERT_EQ(in_range, made) << "the range holds exactly the events the test made in it";
    ASSERT_EQ(key_of.size(), 4u);

    // The new service starts at the end of the topic: pin that start before replaying.
    auto pinned = courier_cli(
        {"groups", "reset-offsets", "-g", search, "-t", kProductEvents, "--to-latest", "--execute"});
    ASSERT_EQ(pinned.code, 0) << printed(pinned);
    const auto pinned_at = end_offsets(kProductEvents);
    EXPECT_EQ(committed(search, kProductEvents), pinned_at);

    // What the range holds, per partition, with a sample:
    const std::vector<std::string> replay{"replay",       "-t",      kProductEvents, "--to",
                                          kProductEvents, "--since", rfc3339(since), "--until",
                                          rfc3339(until), "--group", search};
    auto with = [](std::vector<std::string> args, std::vector<std::string> more) {
        args.insert(args.end(), more.begin(), more.end());
        return args;
    };
    auto dry = courier_cli(with(replay, {"--dry-run"}));
    ASSERT_EQ(dry.code, 0) << printed(dry);
    EXPECT_TRUE(has(dry.out, "dry run: nothing written; 4 message(s) would be copied")) << dry.out;
    EXPECT_EQ(end_offsets(kProductEvents), pinned_at) << "a dry run writes nothing";

    // Copy it, for the search group only, resumably.
    const auto skipped_before = listing_metric({{"outcome", "skipped"}, {"topic", kProductEvents}});
    std::map<std::string, std::optional<Availability>> projection_before;
    for (const auto& id : {early, x1, x2, x3, late}) projection_before[id] = projected(db, id);
    const auto checkpoint = (options().log_dir / "search-backfill.json").string();
    auto copied = courier_cli(with(replay, {"--checkpoint", checkpoint}));
    ASSERT_EQ(copied.code, 0) << printed(copied);
    EXPECT_TRUE(has(copied.out, "copied 4 message(s) from store.product.events to store.product.events"))
        << copied.out;
    auto again = courier_cli(with(replay, {"--checkpoint", checkpoint}));
    ASSERT_EQ(again.code, 0) << printed(again);
    EXPECT_TRUE(has(again.out, "is already complete (4 message(s) copied")) << again.out;
    EXPECT_EQ(total(end_offsets(kProductEvents)), total(pinned_at) + 4) << "4 copies, none twice";

    // The new service reads its group: exactly the range's events, once each, keys kept.
    auto consumed = courier_cli({"consume", "-t", kProductEvents, "-G", search, "-e", "-J"});
    ASSERT_EQ(consumed.code, 0) << printed(consumed);
    std::multiset<std::string> ids;
    std::istringstream lines(consumed.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        rapidjson::Document d;
        d.Parse(line.c_str());
        ASSERT_FALSE(d.HasParseError()) << line;
        std::map<std::string, std::string> headers;
        for (const auto& h : d["headers"].GetArray()) headers[h["name"].GetString()] = h["value"].GetString();
        const auto id = headers["ce_id"];
        ids.insert(id);
        EXPECT_EQ(d["key"].GetString(), key_of[id]) << line;
        EXPECT_EQ(headers["courier-replay-group"], search) << line;
        EXPECT_TRUE(has(headers["courier-replay-source"], std::string(kProductEvents) + "/")) << line;
    }
    std::multiset<std::string> expected;
    for (const auto& [id, key] : key_of) expected.insert(id);
    EXPECT_EQ(ids, expected) << consumed.out;
    auto described = courier_cli({"groups", "describe", "-g", search, "-t", kProductEvents});
    ASSERT_EQ(described.code, 0) << printed(described);
    EXPECT_TRUE(has(described.out, "total lag 0")) << described.out;

    // The running listing service skipped every copy (counted as skipped, committed past) and
    // applied none of them.
    EXPECT_TRUE(wait_until([&] {
        return listing_metric({{"outcome", "skipped"}, {"topic", kProductEvents}}) == skipped_before + 4 &&
               caught_up(listing, {kProductEvents});
    })) << "skipped "
        << listing_metric({{"outcome", "skipped"}, {"topic", kProductEvents}}) - skipped_before
        << " of the 4 copies";
    for (const auto& [id, before] : projection_before) EXPECT_EQ(projected(db, id), before) << id;
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new RunbookStore);  // gtest owns it
    return RUN_ALL_TESTS();
}
