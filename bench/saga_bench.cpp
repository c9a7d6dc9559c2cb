// Saga coordinator end to end over real Kafka and real PostgreSQL (issue #6).
//
// A two-step saga shaped like the store's PlaceOrder (confirm-listing → reserve-stock). Each
// instance is started in a transaction of its own (SagaCoordinator::start); the coordinator's
// commands leave through the outbox and an OutboxRelay; one participant Router with the inbox
// applies them and replies through the outbox in the inbox's transaction (ce::caused_by); the
// coordinator takes the replies through a Router of its own with the inbox
// (SagaCoordinator::attach). Per instance: one start transaction, four outbox rows, four inbox
// transactions, four hops through Kafka.
//
// Figures (medians of --runs runs):
//  - instances completed per second for a burst of --instances started back to back by --starters
//    threads (each with its own connection, like concurrent requests), from the moment they begin
//    to the last completion's commit, beside the outbox relay's raw rate measured in the same run:
//    a relay of its own (own database, same producer settings) moving as many rows as the burst
//    moved, all committed before its clock starts. Also how fast the starts themselves went (the
//    offered load: when it is close to the completion rate, the starters are the limit);
//  - start→completed latency p50/p99 at a steady --rate for --seconds (the first second is
//    warm-up), from the commit of the start to the commit of the transaction that made the
//    instance final (the same figure for the burst is printed too: it includes the queueing).
// Creates (and drops) two databases of its own and fresh topics.
//
//   saga_bench --brokers 127.0.0.1:9092 --dsn postgresql://postgres@127.0.0.1:5432/courier
//              [--instances 2000] [--runs 5] [--rate 20] [--seconds 10] [--partitions 4]
//              [--parallelism 4] (handler threads of each Router) [--starters 4]
// Environment: COURIER_BROKERS, COURIER_BENCH_PG_DSN (the flags win).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench_support.hpp"
#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/inbox_store.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/errors.hpp"
#include "courier/core/ids.hpp"
#include "courier/core/logging.hpp"
#include "courier/outbox/outbox.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "courier/outbox/outbox_schema.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/connection_pool.hpp"
#include "courier/pg/dsn.hpp"
#include "courier/pg/migration_runner.hpp"
#include "courier/pg/transaction.hpp"
#include "courier/saga/saga_coordinator.hpp"
#include "courier/saga/saga_schema.hpp"

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
using Millis = std::chrono::duration<double, std::milli>;
namespace kafka = courier::broker::kafka;
namespace saga = courier::saga;
using courier::Message;
using courier::Result;

constexpr const char* kType = "bench.place-order";
constexpr const char* kConfirmListing = "store.listing.confirm-listing.v1";
constexpr const char* kListingConfirmed = "store.listing.listing-confirmed.v1";
constexpr const char* kListingRejected = "store.listing.listing-rejected.v1";
constexpr const char* kReleaseListing = "store.listing.release-listing.v1";
constexpr const char* kListingReleased = "store.listing.listing-released.v1";
constexpr const char* kReserveStock = "store.product.reserve-stock.v1";
constexpr const char* kStockReserved = "store.product.stock-reserved.v1";
constexpr const char* kStockRejected = "store.product.stock-rejected.v1";
constexpr int kRowsPerInstance = 4;  // two commands, two replies

struct Settings {
    std::string brokers;
    std::string dsn;  // any database on the server; the bench makes its own
    long instances = 2000;
    int runs = 5;
    int rate = 20;
    int seconds = 10;
    int partitions = 4;
    std::size_t parallelism = 4;  // handler threads of each Router
    int starters = 4;             // threads starting the burst's instances
};

struct Topics {
    std::string listing_commands, product_commands, replies, relay_only;
};

courier::Properties kafka_properties(const Settings& s) {
    courier::Properties p;
    p.set("bootstrap.servers", s.brokers);
    return p;
}

// The same producer for the saga's relay and the relay-alone baseline (outbox_bench's settings).
kafka::KafkaPublisherOptions publisher_options(const Settings& s) {
    kafka::KafkaPublisherOptions o;
    o.properties = kafka_properties(s);
    o.properties.set("linger.ms", "5");
    o.properties.set("batch.num.messages", "10000");
    return o;
}

courier::outbox::OutboxRelayOptions relay_options(const std::string& dsn, const std::string& name) {
    courier::outbox::OutboxRelayOptions o;
    o.dsn = dsn;
    o.name = name;
    return o;
}

std::string order_data(long i) {
    return R"({"order": "o-)" + std::to_string(i) + R"(", "listing": "l-)" + std::to_string(i % 97) +
           R"(", "product": "p-)" + std::to_string(i % 89) + R"(", "quantity": 1, "price_cents": 1299})";
}

// Polls `condition` every `every` until it holds (true) or `limit` has passed (false).
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit, std::chrono::milliseconds every = 1ms) {
    const auto deadline = Steady::now() + limit;
    while (!condition()) {
        if (Steady::now() >= deadline) return false;
        std::this_thread::sleep_for(every);
    }
    return true;
}

// ---- completion times --------------------------------------------------------------------------

// When each instance became final. on_finished runs inside the transaction that makes the instance
// final; the instance counts as finished when that transaction has committed, which the middleware
// around the inbox sees. Called from the coordinator Router's threads; read by the main thread.
class Completions {
public:
    struct Done {
        Steady::time_point at;
        saga::SagaStatus status;
    };

    void finishing(const std::string& saga_id, saga::SagaStatus status) {
        std::lock_guard lock(mutex_);
        pending_[saga_id] = status;
    }
    void committed(const std::string& saga_id) {
        const auto now = Steady::now();
        std::lock_guard lock(mutex_);
        auto it = pending_.find(saga_id);
        if (it == pending_.end()) return;
        done_.emplace(saga_id, Done{now, it->second});
        pending_.erase(it);
        count_.fetch_add(1, std::memory_order_release);
    }
    std::size_t count() const { return count_.load(std::memory_order_acquire); }
    std::optional<Done> find(const std::string& saga_id) const {
        std::lock_guard lock(mutex_);
        auto it = done_.find(saga_id);
        if (it == done_.end()) return std::nullopt;
        return it->second;
    }

    /// Outermost middleware of the coordinator's Router: notes the commit of a final transition.
    courier::consumers::Middleware middleware() {
        return [this](courier::consumers::Handler next) -> courier::consumers::Handler {
            return [this, next = std::move(next)](courier::consumers::Context& c) -> Result<void> {
                auto result = next(c);
                if (result) committed(c.event.correlation_id);
                return result;
            };
        };
    }

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, saga::SagaStatus> pending_;
    std::unordered_map<std::string, Done> done_;
    std::atomic<std::size_t> count_{0};
};

// ---- the saga and its participant ----------------------------------------------------------------

saga::SagaDefinition place_order(const Topics& t, Completions& completions) {
    saga::SagaStep listing;
    listing.name = "confirm-listing";
    listing.invoke = [topic = t.listing_commands](const std::string& data) {
        return saga::Command{topic, kConfirmListing, data};
    };
    listing.success_replies = {kListingConfirmed};
    listing.failure_replies = {kListingRejected};
    // No timeout sweeper runs here; deadlines far away keep the rows honest all the same.
    listing.timeout = 10min;
    listing.compensate = [topic =
                              t.listing_commands](const std::string& data) -> std::optional<saga::Command> {
        return saga::Command{topic, kReleaseListing, data};
    };
    listing.compensation_replies = {kListingReleased};

    saga::SagaStep stock;
    stock.name = "reserve-stock";
    stock.invoke = [topic = t.product_commands](const std::string& data) {
        return saga::Command{topic, kReserveStock, data};
    };
    stock.success_replies = {kStockReserved};
    stock.failure_replies = {kStockRejected};
    stock.timeout = 10min;

    saga::SagaDefinition definition{kType, {listing, stock}};
    definition.on_finished = [&completions](courier::pg::Transaction&,
                                            const saga::Finished& finished) -> Result<void> {
        completions.finishing(finished.saga_id, finished.status);
        return {};
    };
    return definition;
}

// A participant applies a command by replying to it, through the outbox, in the inbox's
// transaction (its "effect" is the inbox row itself: the bench measures courier, not a domain).
courier::consumers::Handler participant(std::string reply_topic, std::string reply_type) {
    return [reply_topic = std::move(reply_topic),
            reply_type = std::move(reply_type)](courier::consumers::Context& c) -> Result<void> {
        if (c.transaction == nullptr) return courier::Error::permanent("bench.no_transaction", "no inbox");
        Message reply;
        reply.topic = reply_topic;
        reply.payload = R"({"accepted": true})";
        courier::ce::stamp(
            reply, courier::ce::caused_by(c.event, reply_type, "/bench/participant", c.event.subject));
        return courier::outbox::Outbox{}.enqueue(*c.transaction, reply);
    };
}

// A Kafka subscriber and a Router with the inbox of `group`.
struct Member {
    Member(const Settings& s, const std::string& group, courier::pg::ConnectionPool& pool,
           courier::broker::Publisher& dead_letters, Completions* completions)
        : inbox(group) {
        kafka::KafkaSubscriberOptions so;
        so.properties = kafka_properties(s);
        so.group = group;
        subscriber = std::make_unique<kafka::KafkaSubscriber>(so);
        courier::consumers::RouterOptions options;
        options.group = group;
        options.parallelism = s.parallelism;
        options.poll_timeout = 50ms;
        router = std::make_unique<courier::consumers::Router>(options, *subscriber, dead_letters);
        if (completions) router->use(completions->middleware());
        router->use(courier::consumers::middleware::inbox(pool, inbox));
    }
    courier::consumers::InboxStore inbox;
    std::unique_ptr<kafka::KafkaSubscriber> subscriber;
    std::unique_ptr<courier::consumers::Router> router;
};

// Everything that runs for the whole bench: the relay, the participant, the coordinator.
class SagaPipeline {
public:
    SagaPipeline(const Settings& s, const std::string& dsn, const Topics& topics)
        : publisher_(publisher_options(s)),
          relay_(relay_options(dsn, "saga-bench"), publisher_),
          pool_(dsn, 2 * s.parallelism + 2),
          coordinator_(saga::SagaCoordinatorOptions{"/bench/order"}),
          participant_(s, "bench-participant-" + courier::new_uuid().substr(0, 8), pool_, publisher_,
                       nullptr),
          orders_(s, "bench-order-saga-" + courier::new_uuid().substr(0, 8), pool_, publisher_,
                  &completions_) {
        coordinator_.add(place_order(topics, completions_));
        auto& p = *participant_.router;
        p.handle("confirm-listing", topics.listing_commands, kConfirmListing,
                 participant(topics.replies, kListingConfirmed));
        p.handle("release-listing", topics.listing_commands, kReleaseListing,
                 participant(topics.replies, kListingReleased));
        p.handle("reserve-stock", topics.product_commands, kReserveStock,
                 participant(topics.replies, kStockReserved));
        coordinator_.attach(*orders_.router, {topics.replies});
        relay_thread_ = std::jthread([this](std::stop_token stop) { relay_.run(stop); });
        participant_thread_ = std::jthread([this](std::stop_token stop) { participant_.router->run(stop); });
        orders_thread_ = std::jthread([this](std::stop_token stop) { orders_.router->run(stop); });
    }

    /// Starts one instance in a transaction of its own on `connection`; throws on failure.
    void start(courier::pg::Connection& connection, const std::string& saga_id,
               const std::string& data) const {
        courier::pg::Transaction tx(connection);
        if (auto started = coordinator_.start(tx, kType, saga_id, data); !started) {
            throw courier::CourierError(started.error(), "starting saga " + saga_id);
        }
        tx.commit();
    }

    const Completions& completions() const { return completions_; }
    courier::outbox::RelayStats relay_stats() const { return relay_.stats(); }
    courier::consumers::RouterStats participant_stats() const { return participant_.router->stats(); }
    courier::consumers::RouterStats coordinator_stats() const { return orders_.router->stats(); }

private:
    Completions completions_;
    kafka::KafkaPublisher publisher_;
    courier::outbox::OutboxRelay relay_;
    courier::pg::ConnectionPool pool_;
    saga::SagaCoordinator coordinator_;
    Member participant_;
    Member orders_;
    // Last: stopped and joined first.
    std::jthread relay_thread_, participant_thread_, orders_thread_;
};

// ---- measurements -----------------------------------------------------------------------------------

struct Latency {
    double p50 = 0, p99 = 0;
};

Latency percentiles(std::vector<double> samples) {
    if (samples.empty()) return {};
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))];
    };
    return {at(0.50), at(0.99)};
}

std::chrono::milliseconds completion_limit(long instances) {
    return 120s + std::chrono::milliseconds(20 * instances);
}

// Waits until `expected` more instances (than `before`) finished; throws with what is known when
// they do not within the limit.
void await_completions(const SagaPipeline& pipeline, std::size_t before, long expected, const char* phase) {
    const auto target = before + static_cast<std::size_t>(expected);
    if (wait_until([&] { return pipeline.completions().count() >= target; }, completion_limit(expected)))
        return;
    const auto relay = pipeline.relay_stats();
    const auto p = pipeline.participant_stats();
    const auto o = pipeline.coordinator_stats();
    throw courier::CourierError(
        courier::ErrorKind::transient,
        std::string(phase) + ": " + std::to_string(pipeline.completions().count() - before) + " of " +
            std::to_string(expected) + " instances finished in time (relay published " +
            std::to_string(relay.published) + ", last error '" + relay.last_error +
            "'; participant handled " + std::to_string(p.handled) + ", failed " + std::to_string(p.failed) +
            "; coordinator handled " + std::to_string(o.handled) + ", failed " + std::to_string(o.failed) +
            ")",
        "is the broker healthy? scripts/kafka status");
}

// Every instance of `ids` must have completed (not compensated): returns the latencies in ms.
std::vector<double> latencies(const SagaPipeline& pipeline, const std::vector<std::string>& ids,
                              const std::vector<Steady::time_point>& started, std::size_t skip = 0) {
    std::vector<double> out;
    out.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto done = pipeline.completions().find(ids[i]);
        if (!done)
            throw courier::CourierError(courier::ErrorKind::permanent, "saga " + ids[i] + " never finished");
        if (done->status != saga::SagaStatus::completed) {
            throw courier::CourierError(courier::ErrorKind::permanent,
                                        "saga " + ids[i] + " ended " +
                                            std::string(saga::to_string(done->status)) + ", not completed");
        }
        if (i >= skip) out.push_back(Millis(done->at - started[i]).count());
    }
    return out;
}

void vacuum_outbox(const std::string& dsn) {
    auto c = courier::pg::Connection::open(dsn);
    c.exec_script("VACUUM (ANALYZE) courier_outbox");
}

// The outbox must be empty before a phase starts and after it ends (so the rows it moved are known).
void await_empty_outbox(courier::pg::Connection& c) {
    const bool empty = wait_until(
        [&] {
            auto backlog = courier::outbox::Outbox::backlog(c);
            return backlog && backlog->rows == 0;
        },
        60s, 20ms);
    if (!empty)
        throw courier::CourierError(courier::ErrorKind::transient, "the saga outbox did not drain in 60 s");
}

struct Burst {
    double instances_per_s = 0;
    double starts_per_s = 0;  // how fast the starters committed the starts (the offered load)
    double rows_per_s = 0;    // outbox rows the saga's relay moved, over the same window
    uint64_t rows = 0;
    Latency latency;  // under the burst's own queueing; for the record
};

Burst burst(const Settings& s, SagaPipeline& pipeline, courier::pg::Connection& c, const std::string& prefix,
            const std::string& dsn) {
    await_empty_outbox(c);
    const auto published_before = pipeline.relay_stats().published;
    const auto finished_before = pipeline.completions().count();
    const auto n = static_cast<std::size_t>(s.instances);
    std::vector<std::string> ids(n);
    std::vector<Steady::time_point> started(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = prefix + std::to_string(i);
    // Each starter has its own connection (opened before the clock starts) and starts every
    // starters-th instance, as concurrent requests of a service would.
    std::vector<courier::pg::Connection> connections;
    for (int k = 0; k < s.starters; ++k) connections.push_back(courier::pg::Connection::open(dsn));
    std::vector<std::exception_ptr> errors(connections.size());
    const auto begin = Steady::now();
    {
        std::vector<std::jthread> starters;
        for (std::size_t k = 0; k < connections.size(); ++k) {
            starters.emplace_back([&, k] {
                try {
                    for (std::size_t i = k; i < n; i += connections.size()) {
                        pipeline.start(connections[k], ids[i], order_data(static_cast<long>(i)));
                        started[i] = Steady::now();
                    }
                } catch (...) {
                    errors[k] = std::current_exception();
                }
            });
        }
    }
    for (const auto& error : errors) {
        if (error) std::rethrow_exception(error);
    }
    const auto all_started = *std::max_element(started.begin(), started.end());
    await_completions(pipeline, finished_before, s.instances, "burst");
    const auto samples = latencies(pipeline, ids, started);
    Steady::time_point last = begin;
    for (const auto& id : ids) last = std::max(last, pipeline.completions().find(id)->at);
    const double elapsed = Seconds(last - begin).count();
    await_empty_outbox(c);
    Burst b;
    b.rows = pipeline.relay_stats().published - published_before;
    b.instances_per_s = static_cast<double>(s.instances) / elapsed;
    b.starts_per_s = static_cast<double>(s.instances) / Seconds(all_started - begin).count();
    b.rows_per_s = static_cast<double>(b.rows) / elapsed;
    b.latency = percentiles(samples);
    if (b.rows != static_cast<uint64_t>(kRowsPerInstance * s.instances)) {
        std::fprintf(stderr,
                     "note: the burst moved %llu outbox rows, %ld expected (duplicates republished?)\n",
                     static_cast<unsigned long long>(b.rows), kRowsPerInstance * s.instances);
    }
    return b;
}

Latency steady(const Settings& s, SagaPipeline& pipeline, courier::pg::Connection& c,
               const std::string& prefix) {
    await_empty_outbox(c);
    const auto finished_before = pipeline.completions().count();
    const long total = static_cast<long>(s.rate) * s.seconds;
    std::vector<std::string> ids;
    std::vector<Steady::time_point> started;
    const auto interval = std::chrono::nanoseconds(1000000000L / s.rate);
    const auto start = Steady::now();
    for (long i = 0; i < total; ++i) {
        std::this_thread::sleep_until(start + interval * i);
        ids.push_back(prefix + std::to_string(i));
        pipeline.start(c, ids.back(), order_data(i));
        started.push_back(Steady::now());
    }
    await_completions(pipeline, finished_before, total, "steady rate");
    // The first second warms up; it is not steady state.
    return percentiles(latencies(pipeline, ids, started, static_cast<std::size_t>(s.rate)));
}

// The relay alone: `rows` messages shaped like the saga's (commands carrying the order data,
// replies carrying a small payload; CloudEvents headers with correlation and causation ids; keys
// per saga) committed in one transaction, then timed from the commit to the last row deleted.
double relay_alone(const Settings& s, const std::string& dsn, const std::string& topic, uint64_t rows) {
    std::vector<Message> messages;
    messages.reserve(rows);
    for (uint64_t i = 0; i < rows; ++i) {
        const long instance = static_cast<long>(i / kRowsPerInstance);
        const bool command = i % 2 == 0;
        Message m;
        m.topic = topic;
        m.payload = command ? order_data(instance) : R"({"accepted": true})";
        courier::ce::Attributes a;
        a.type = command ? kConfirmListing : kListingConfirmed;
        a.source = command ? "/bench/order" : "/bench/participant";
        a.subject = "relay-" + std::to_string(instance);
        a.correlation_id = a.subject;
        a.causation_id = courier::new_uuid();
        courier::ce::stamp(m, a);
        messages.push_back(std::move(m));
    }
    kafka::KafkaPublisher publisher(publisher_options(s));
    courier::outbox::OutboxRelay relay(relay_options(dsn, "saga-bench-relay-alone"), publisher);
    std::jthread runner([&](std::stop_token stop) { relay.run(stop); });
    auto c = courier::pg::Connection::open(dsn);
    const courier::outbox::Outbox outbox;
    // Warm up as the saga's relay is warm: connections, producer id, first round trips.
    {
        courier::pg::Transaction tx(c);
        if (auto done = outbox.enqueue(tx, messages.front()); !done)
            throw courier::CourierError(done.error());
        tx.commit();
    }
    if (!wait_until([&] { return relay.stats().deleted >= 1; }, 60s)) {
        throw courier::CourierError(courier::ErrorKind::transient,
                                    "the relay-alone baseline did not publish its warm-up row in 60 s");
    }
    vacuum_outbox(dsn);
    {
        courier::pg::Transaction tx(c);
        if (auto done = outbox.enqueue(tx, messages); !done) throw courier::CourierError(done.error());
        tx.commit();
    }
    const auto start = Steady::now();
    const auto target = rows + 1;
    if (!wait_until([&] { return relay.stats().deleted >= target; },
                    completion_limit(static_cast<long>(rows)))) {
        throw courier::CourierError(courier::ErrorKind::transient, "the relay-alone baseline did not drain " +
                                                                       std::to_string(rows) + " rows");
    }
    const double elapsed = Seconds(Steady::now() - start).count();
    runner.request_stop();
    runner.join();
    if (relay.stats().failed > 0) {
        std::fprintf(stderr, "relay alone: %llu failed publishes\n",
                     static_cast<unsigned long long>(relay.stats().failed));
    }
    return static_cast<double>(rows) / elapsed;
}

// ---- set-up -----------------------------------------------------------------------------------------

std::string create_database(courier::pg::Connection& admin, const std::string& dsn, const std::string& name,
                            bool with_sagas) {
    admin.exec_script("CREATE DATABASE " + admin.quote_identifier(name));
    const std::string database_dsn = courier::pg::dsn_with_database(dsn, name);
    auto c = courier::pg::Connection::open(database_dsn);
    courier::outbox::install(c);
    if (with_sagas) {
        saga::install(c);
        courier::pg::MigrationRunner(c).apply("courier.inbox", courier::consumers::InboxStore::migrations());
    }
    return database_dsn;
}

Topics create_topics(const Settings& s) {
    const std::string run = "bench-saga-" + courier::new_uuid().substr(0, 8);
    Topics t{run + ".listing.commands", run + ".product.commands", run + ".order.replies",
             run + ".relay-alone.commands"};
    kafka::KafkaAdmin admin(kafka_properties(s));
    for (const auto* topic : {&t.listing_commands, &t.product_commands, &t.replies, &t.relay_only}) {
        try {
            admin.create_topic({*topic, s.partitions, 1, {}}, true, 10s);
        } catch (const courier::CourierError& e) {
            // The adapter's message already says how to start a broker.
            throw courier::CourierError(e.kind(), "Kafka at " + s.brokers + ": " + e.message(), e.hint());
        }
    }
    return t;
}

void report(const Settings& s, const std::vector<Burst>& bursts, const std::vector<double>& relay_rates,
            const std::vector<Latency>& steady_latencies) {
    using courier::bench::median;
    std::vector<double> instances, starts, rows, burst_p50, burst_p99, p50, p99, rows_moved;
    for (const auto& b : bursts) {
        instances.push_back(b.instances_per_s);
        starts.push_back(b.starts_per_s);
        rows.push_back(b.rows_per_s);
        rows_moved.push_back(static_cast<double>(b.rows));
        burst_p50.push_back(b.latency.p50);
        burst_p99.push_back(b.latency.p99);
    }
    for (const auto& l : steady_latencies) {
        p50.push_back(l.p50);
        p99.push_back(l.p99);
    }
    const double ours = median(instances), raw = median(relay_rates), moved = median(rows);
    std::printf(
        "\nsaga: %ld instances of a 2-step saga (confirm-listing -> reserve-stock), %d rows per instance "
        "(2 commands + 2 replies through the outbox), %d partitions per topic, Router parallelism %zu, "
        "%d starters; medians of %d runs; latency at %d instances/s for %d s (first second skipped)\n",
        s.instances, kRowsPerInstance, s.partitions, s.parallelism, s.starters, s.runs, s.rate, s.seconds);
    std::printf("%-52s %12s %12s %9s\n", "figure", "saga", "baseline", "ratio");
    std::printf("%-52s %12.1f %12.0f %9.4f\n", "instances/s vs relay alone rows/s (same rows)", ours, raw,
                ours / raw);
    std::printf("%-52s %12.0f %12.0f %9.4f\n", "outbox rows/s moved in the saga vs relay alone", moved, raw,
                moved / raw);
    std::printf("%-52s %12.1f %12s %9s\n", "instances started/s by the starters (offered load)",
                median(starts), "-", "-");
    std::printf("%-52s %12.1f %12s %9s\n", "start->completed p50 ms, steady rate", median(p50), "-", "-");
    std::printf("%-52s %12.1f %12s %9s\n", "start->completed p99 ms, steady rate", median(p99), "-", "-");
    std::printf("%-52s %12.1f %12s %9s\n", "start->completed p50 ms, burst (queueing included)",
                median(burst_p50), "-", "-");
    std::printf("%-52s %12.1f %12s %9s\n", "start->completed p99 ms, burst (queueing included)",
                median(burst_p99), "-", "-");
    std::printf("(rows per burst, median: %.0f; the relay alone moved the same number per run)\n",
                median(rows_moved));

    using courier::bench::print_result;
    // Instances and rows are different units: the baseline goes with the rows.
    print_result("saga instances completed, burst of " + std::to_string(s.instances) + ", " +
                     std::to_string(kRowsPerInstance) + " outbox rows each",
                 "inst/s", ours, std::nullopt, s.runs);
    print_result("outbox rows moved by the saga burst (vs the relay alone moving the same rows)", "rows/s",
                 moved, raw, s.runs);
    print_result("saga instances started by the starters (offered load)", "inst/s", median(starts),
                 std::nullopt, s.runs);
    const std::string at = " at " + std::to_string(s.rate) + "/s";
    print_result("saga start->completed p50" + at, "ms", median(p50), std::nullopt, s.runs);
    print_result("saga start->completed p99" + at, "ms", median(p99), std::nullopt, s.runs);
    print_result("saga start->completed p50, burst (queueing included)", "ms", median(burst_p50),
                 std::nullopt, s.runs);
    print_result("saga start->completed p99, burst (queueing included)", "ms", median(burst_p99),
                 std::nullopt, s.runs);
}

int usage(const char* program) {
    std::fprintf(stderr,
                 "usage: %s --brokers H:P --dsn POSTGRES-DSN [--instances N] [--runs R] [--rate PER-S] "
                 "[--seconds S] [--partitions P] [--parallelism T] [--starters K]\n"
                 "  (or COURIER_BROKERS and COURIER_BENCH_PG_DSN)\n",
                 program);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    if (const char* env = std::getenv("COURIER_BROKERS")) s.brokers = env;
    if (const char* env = std::getenv("COURIER_BENCH_PG_DSN")) s.dsn = env;
    for (int i = 1; i < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            usage(argv[0]);
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "flag %s needs a value\n", argv[i]);
            return usage(argv[0]);
        }
        const char* value = argv[i + 1];
        if (flag == "--brokers")
            s.brokers = value;
        else if (flag == "--dsn")
            s.dsn = value;
        else if (flag == "--instances")
            s.instances = std::atol(value);
        else if (flag == "--runs")
            s.runs = std::atoi(value);
        else if (flag == "--rate")
            s.rate = std::atoi(value);
        else if (flag == "--seconds")
            s.seconds = std::atoi(value);
        else if (flag == "--partitions")
            s.partitions = std::atoi(value);
        else if (flag == "--parallelism")
            s.parallelism = static_cast<std::size_t>(std::atol(value));
        else if (flag == "--starters")
            s.starters = std::atoi(value);
        else {
            std::fprintf(stderr, "unknown flag %s\n", argv[i]);
            return usage(argv[0]);
        }
    }
    if (s.brokers.empty() || s.dsn.empty()) return usage(argv[0]);
    if (s.instances < 1 || s.runs < 1 || s.rate < 1 || s.seconds < 2 || s.partitions < 1 ||
        s.parallelism < 1 || s.starters < 1) {
        std::fprintf(
            stderr,
            "--instances, --runs, --rate, --partitions, --parallelism, --starters must be positive and "
            "--seconds at least 2\n");
        return 2;
    }
    courier::configure_logging("warn");

    std::optional<courier::pg::Connection> admin;
    try {
        admin.emplace(courier::pg::Connection::open(s.dsn));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "saga_bench: %s\n", e.what());
        return 1;
    }
    const std::string suffix = courier::new_uuid().substr(0, 8);
    const std::string saga_database = "saga_bench_" + suffix, relay_database = "saga_bench_relay_" + suffix;
    int status = 0;
    try {
        const Topics topics = create_topics(s);
        const std::string saga_dsn = create_database(*admin, s.dsn, saga_database, true);
        const std::string relay_dsn = create_database(*admin, s.dsn, relay_database, false);
        std::vector<Burst> bursts;
        std::vector<double> relay_rates;
        std::vector<Latency> steady_latencies;
        {
            SagaPipeline pipeline(s, saga_dsn, topics);
            auto c = courier::pg::Connection::open(saga_dsn);
            // Warm up: the consumer groups join, the producer gets its id, caches fill.
            {
                const auto before = pipeline.completions().count();
                for (int i = 0; i < 20; ++i) pipeline.start(c, "warm-" + std::to_string(i), order_data(i));
                await_completions(pipeline, before, 20, "warm-up");
            }
            for (int run = 0; run < s.runs; ++run) {
                vacuum_outbox(saga_dsn);
                bursts.push_back(burst(s, pipeline, c, "r" + std::to_string(run) + "-burst-", saga_dsn));
                relay_rates.push_back(relay_alone(s, relay_dsn, topics.relay_only, bursts.back().rows));
                vacuum_outbox(saga_dsn);
                steady_latencies.push_back(steady(s, pipeline, c, "r" + std::to_string(run) + "-steady-"));
                const auto& b = bursts.back();
                std::printf(
                    "run %d: saga %.1f instances/s (started %.1f/s; %llu rows, %.0f rows/s; burst p50 %.0f "
                    "ms "
                    "p99 %.0f ms), relay alone %.0f rows/s, ratio %.4f; steady %d/s p50 %.1f ms p99 %.1f "
                    "ms\n",
                    run + 1, b.instances_per_s, b.starts_per_s, static_cast<unsigned long long>(b.rows),
                    b.rows_per_s, b.latency.p50, b.latency.p99, relay_rates.back(),
                    b.instances_per_s / relay_rates.back(), s.rate, steady_latencies.back().p50,
                    steady_latencies.back().p99);
                std::fflush(stdout);
            }
        }
        report(s, bursts, relay_rates, steady_latencies);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "saga_bench: %s\n", e.what());
        status = 1;
    }
    try {
        for (const auto* database : {&saga_database, &relay_database}) {
            admin->exec_script("DROP DATABASE IF EXISTS " + admin->quote_identifier(*database) +
                               " WITH (FORCE)");
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "saga_bench: dropping the bench databases: %s\n", e.what());
    }
    return status;
}
