// Consumer throughput, each figure beside a baseline measured in the same run:
//  1. the Router with a no-op handler against a raw librdkafka consume loop that reads each
//     message's key, payload and headers (what any consumer of CloudEvents must read; same topic,
//     both as group members, timed from the first message);
//  2. the inbox middleware (one transaction per message: inbox row + one effect row) against a
//     raw libpq loop doing the same BEGIN / INSERT / INSERT / COMMIT per message.
//
//   consumer_bench --brokers H:P --dsn postgresql://... [--messages 300000] [--inbox-messages 20000] [--runs 3]

#include <librdkafka/rdkafka.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "bench_support.hpp"
#include "courier/core/ids.hpp"
#include "courier/pg/connection.hpp"
#include "courier/pg/migration_runner.hpp"

namespace {

using Steady = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
namespace kafka = courier::broker::kafka;

struct Settings {
    std::string brokers, dsn;
    long messages = 300000;
    long inbox_messages = 20000;
    int runs = 3;
};

courier::Properties kafka_props(const Settings& s) {
    courier::Properties p;
    p.set("bootstrap.servers", s.brokers);
    return p;
}

std::string fill_topic(const Settings& s, long count) {
    auto topic = "bench-consume-" + courier::new_uuid().substr(0, 8);
    kafka::KafkaAdmin(kafka_props(s)).create_topic({topic, 3, 1, {}});
    kafka::KafkaPublisherOptions o{kafka_props(s)};
    o.properties.set("linger.ms", "5");
    kafka::KafkaPublisher publisher(o);
    std::string payload(200, 'x');
    for (long i = 0; i < count; ++i) {
        courier::Message m;
        m.topic = topic;
        m.key = "key-" + std::to_string(i % 1000);
        m.payload = payload;
        courier::ce::Attributes a;
        a.type = "bench.event.v1";
        a.source = "/bench";
        courier::ce::stamp(m, a);
        publisher.publish(std::move(m), [](auto) {});
    }
    publisher.flush(std::chrono::minutes(2));
    return topic;
}

double raw_consume(const Settings& s, const std::string& topic, long count) {
    char reason[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto group = "bench-raw-" + courier::new_uuid().substr(0, 8);
    for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", s.brokers},
                                                                       {"group.id", group},
                                                                       {"auto.offset.reset", "earliest"},
                                                                       {"enable.auto.commit", "true"}}) {
        rd_kafka_conf_set(conf, k.c_str(), v.c_str(), reason, sizeof reason);
    }
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, reason, sizeof reason);
    rd_kafka_poll_set_consumer(rk);
    auto list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    long seen = 0;
    std::size_t bytes = 0;
    Steady::time_point start;
    while (seen < count) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
        if (!m) continue;
        if (!m->err) {
            if (seen++ == 0) start = Steady::now();
            // What any consumer of these messages must look at: key, payload and the headers
            // (ce_id to dedupe, ce_type to route).
            bytes += m->len + m->key_len;
            rd_kafka_headers_t* headers = nullptr;
            if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char* name;
                const void* value;
                size_t size;
                for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i) bytes += size;
            }
        }
        rd_kafka_message_destroy(m);
    }
    double elapsed = Seconds(Steady::now() - start).count();
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    if (bytes == 0) std::fprintf(stderr, "raw: no bytes\n");
    return static_cast<double>(count - 1) / elapsed;
}

// The subscriber alone (no router), to tell the adapter's cost from the runtime's.
double subscriber_consume(const Settings& s, const std::string& topic, long count) {
    kafka::KafkaSubscriberOptions so{kafka_props(s), "bench-sub-" + courier::new_uuid().substr(0, 8), "earliest"};
    kafka::KafkaSubscriber subscriber(so);
    subscriber.subscribe({topic});
    long seen = 0;
    Steady::time_point start;
    while (seen < count) {
        auto batch = subscriber.poll(500, std::chrono::milliseconds(100));
        if (!batch) continue;
        for (auto& m : *batch) {
            if (seen++ == 0) start = Steady::now();
            subscriber.mark_done(m);
        }
    }
    return static_cast<double>(count - 1) / Seconds(Steady::now() - start).count();
}

double router_consume(const Settings& s, const std::string& topic, long count) {
    kafka::KafkaSubscriberOptions so{kafka_props(s), "bench-router-" + courier::new_uuid().substr(0, 8), "earliest"};
    kafka::KafkaSubscriber subscriber(so);
    kafka::KafkaPublisher dead_letters(kafka::KafkaPublisherOptions{kafka_props(s)});
    courier::consumers::RouterOptions options;
    options.group = so.group;
    options.commit_interval = std::chrono::milliseconds(1000);
    options.commit_every = 100000;
    courier::consumers::Router router(options, subscriber, dead_letters);
    std::atomic<long> seen{0};
    Steady::time_point start, end;
    router.handle("noop", topic, "*", [&](courier::consumers::Context&) -> courier::Result<void> {
        auto n = seen.fetch_add(1, std::memory_order_relaxed);
        if (n == 0) start = Steady::now();
        if (n + 1 == count) end = Steady::now();
        return {};
    });
    std::jthread runner([&](std::stop_token stop) { router.run(stop); });
    while (seen.load() < count) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    runner.request_stop();
    runner.join();
    return static_cast<double>(count - 1) / Seconds(end - start).count();
}

void prepare_inbox(const Settings& s) {
    auto c = courier::pg::Connection::open(s.dsn);
    courier::pg::MigrationRunner(c).apply("courier.inbox", courier::consumers::InboxStore::migrations());
    c.exec_script("CREATE TABLE IF NOT EXISTS bench_effects (id text PRIMARY KEY, payload text)");
}

double raw_libpq(const Settings& s, long count) {
    PGconn* conn = PQconnectdb(s.dsn.c_str());
    auto group = "raw-" + courier::new_uuid().substr(0, 8);
    auto start = Steady::now();
    for (long i = 0; i < count; ++i) {
        auto id = courier::new_uuid();
        auto offset = std::to_string(i);
        const char* inbox[] = {group.c_str(), id.c_str(), "bench", "0", offset.c_str()};
        const char* effect[] = {id.c_str(), "x"};
        PQclear(PQexec(conn, "BEGIN"));
        PQclear(PQexecParams(conn,
                             "INSERT INTO courier_inbox (consumer_group, message_id, topic, partition, \"offset\") "
                             "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                             5, nullptr, inbox, nullptr, nullptr, 0));
        PQclear(PQexecParams(conn, "INSERT INTO bench_effects VALUES ($1, $2)", 2, nullptr, effect, nullptr, nullptr, 0));
        PQclear(PQexec(conn, "COMMIT"));
    }
    double elapsed = Seconds(Steady::now() - start).count();
    PQfinish(conn);
    return static_cast<double>(count) / elapsed;
}

double inbox_router(const Settings& s, const std::string& topic, long count) {
    kafka::KafkaSubscriberOptions so{kafka_props(s), "bench-inbox-" + courier::new_uuid().substr(0, 8), "earliest"};
    kafka::KafkaSubscriber subscriber(so);
    kafka::KafkaPublisher dead_letters(kafka::KafkaPublisherOptions{kafka_props(s)});
    courier::pg::ConnectionPool pool(s.dsn, 2);
    courier::consumers::InboxStore inbox(so.group);
    courier::consumers::RouterOptions options;
    options.group = so.group;
    courier::consumers::Router router(options, subscriber, dead_letters);
    router.use(courier::consumers::middleware::inbox(pool, inbox));
    std::atomic<long> seen{0};
    Steady::time_point start, end;
    router.handle("effect", topic, "*", [&](courier::consumers::Context& c) -> courier::Result<void> {
        auto n = seen.fetch_add(1, std::memory_order_relaxed);
        if (n == 0) start = Steady::now();
        // Every run reads the same messages under a new group: the effect's key names the group.
        auto r = c.transaction->try_exec("INSERT INTO bench_effects VALUES ($1 || ':' || $2, $3)",
                                         {so.group, c.event.id, "x"});
        if (!r) return std::move(r).error();
        if (n + 1 == count) end = Steady::now();
        return {};
    });
    std::jthread runner([&](std::stop_token stop) { router.run(stop); });
    while (seen.load() < count) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    runner.request_stop();
    runner.join();
    return static_cast<double>(count - 1) / Seconds(end - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    if (const char* b = std::getenv("COURIER_BROKERS")) s.brokers = b;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--brokers") s.brokers = argv[i + 1];
        else if (flag == "--dsn") s.dsn = argv[i + 1];
        else if (flag == "--messages") s.messages = std::atol(argv[i + 1]);
        else if (flag == "--inbox-messages") s.inbox_messages = std::atol(argv[i + 1]);
        else if (flag == "--runs") s.runs = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown flag %s\n", argv[i]);
            return 2;
        }
    }
    if (s.brokers.empty() || s.dsn.empty()) {
        std::fprintf(stderr, "usage: %s --brokers H:P --dsn DSN [--messages N] [--inbox-messages N] [--runs R]\n",
                     argv[0]);
        return 2;
    }
    auto topic = fill_topic(s, s.messages);
    auto inbox_topic = fill_topic(s, s.inbox_messages);
    prepare_inbox(s);
    std::vector<double> raw, ours, subscriber, raw_pg, inbox;
    for (int run = 0; run < s.runs; ++run) {
        double r = raw_consume(s, topic, s.messages), c = router_consume(s, topic, s.messages);
        double sub = subscriber_consume(s, topic, s.messages);
        std::printf("run %d: subscriber alone %.0f/s (%.3f of raw)\n", run + 1, sub, sub / r);
        double rp = raw_libpq(s, s.inbox_messages), ib = inbox_router(s, inbox_topic, s.inbox_messages);
        raw.push_back(r);
        ours.push_back(c);
        subscriber.push_back(sub);
        raw_pg.push_back(rp);
        inbox.push_back(ib);
        std::printf("run %d: raw consume %.0f/s, router %.0f/s (%.3f); raw libpq %.0f/s, inbox %.0f/s (%.3f)\n",
                    run + 1, r, c, c / r, rp, ib, ib / rp);
        std::fflush(stdout);
    }
    std::printf("consumer: %ld x 200 B messages with CloudEvents headers, 3 partitions; median of %d runs\n",
                s.messages, s.runs);
    std::printf("%-34s %12s %12s %8s\n", "figure", "courier", "baseline", "ratio");
    using courier::bench::median;
    std::printf("%-34s %12.0f %12.0f %8.3f\n", "router no-op msg/s (raw rdkafka)", median(ours), median(raw),
                median(ours) / median(raw));
    std::printf("%-34s %12.0f %12.0f %8.3f\n", "subscriber alone msg/s (raw rdkafka)", median(subscriber),
                median(raw), median(subscriber) / median(raw));
    std::printf("%-34s %12.0f %12.0f %8.3f\n", "inbox handler msg/s (raw libpq)", median(inbox), median(raw_pg),
                median(inbox) / median(raw_pg));
    using courier::bench::print_result;
    print_result("router, no-op handler (vs raw librdkafka loop reading key, payload, headers)", "msg/s",
                 median(ours), median(raw), s.runs);
    print_result("KafkaSubscriber alone (vs the same raw loop)", "msg/s", median(subscriber), median(raw),
                 s.runs);
    print_result("inbox handler, a transaction per message (vs raw libpq BEGIN/INSERT/INSERT/COMMIT)",
                 "msg/s", median(inbox), median(raw_pg), s.runs);
    return 0;
}
