// Outbox relay: throughput from commit to broker acknowledgement (rows/s) against two baselines
// measured in the same run over the same rows — raw librdkafka producing the same messages, and a
// raw libpq select-and-delete loop draining the same table — plus commit-to-ack latency at a
// steady moderate rate against raw librdkafka's produce-to-ack latency at that rate. Medians of
// several runs. Creates (and drops) a database of its own and a fresh topic.
//
//   outbox_bench --brokers 127.0.0.1:9092 --dsn postgresql://postgres@127.0.0.1:5432/postgres
//                [--rows 100000] [--size 200] [--keys 1000] [--runs 5] [--rate 1000] [--seconds 5]
//                [--batch-size 1000] [--depth 4]   (the relay's batch size and pipeline depth)

#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/ids.hpp"
#include "courier/core/logging.hpp"
#include "courier/outbox/outbox.hpp"
#include "courier/outbox/outbox_relay.hpp"
#include "courier/outbox/outbox_schema.hpp"
#include "courier/pg/dsn.hpp"

namespace {

using Steady = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
using Millis = std::chrono::duration<double, std::milli>;
namespace kafka = courier::broker::kafka;

struct Settings {
    std::string brokers;
    std::string dsn;  // any database on the server; the bench makes its own
    long rows = 100000;
    std::size_t size = 200;
    int keys = 1000;
    int runs = 5;
    int rate = 1000;
    int seconds = 5;
    std::size_t batch_size = 1000;  // the relay's
    std::size_t depth = 4;          // the relay's pipeline_depth
};

courier::Properties producer_properties(const Settings& s) {
    courier::Properties p;
    p.set("bootstrap.servers", s.brokers);
    p.set("enable.idempotence", "true");
    p.set("acks", "all");
    p.set("linger.ms", "5");
    p.set("batch.num.messages", "10000");
    p.set("queue.buffering.max.messages", "200000");
    return p;
}

std::vector<courier::Message> make_messages(const Settings& s, const std::string& topic, long count) {
    std::vector<courier::Message> messages;
    messages.reserve(static_cast<std::size_t>(count));
    const std::string payload(s.size, 'x');
    for (long i = 0; i < count; ++i) {
        courier::Message m;
        m.topic = topic;
        m.payload = payload;
        courier::ce::Attributes a;
        a.type = "store.order.placed.v1";
        a.source = "/bench/order";
        a.subject = "order-" + std::to_string(i % s.keys);
        courier::ce::stamp(m, a);
        m.headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        messages.push_back(std::move(m));
    }
    return messages;
}

// Every measured drain starts from a vacuumed table, so no run pays for the dead rows of the
// previous one (autovacuum would get to them at a moment of its choosing).
void vacuum(const std::string& dsn) {
    auto c = courier::pg::Connection::open(dsn);
    c.exec_script("VACUUM (ANALYZE) courier_outbox");
}

void enqueue(const std::string& dsn, const std::vector<courier::Message>& messages) {
    auto c = courier::pg::Connection::open(dsn);
    courier::pg::Transaction tx(c);
    if (auto done = courier::outbox::Outbox().enqueue(tx, messages); !done) {
        throw courier::CourierError(done.error());
    }
    tx.commit();
}

// ---- courier: the relay drains a committed batch ------------------------------------------------

double relay_throughput(const Settings& s, const std::string& dsn,
                        const std::vector<courier::Message>& messages) {
    kafka::KafkaPublisherOptions po;
    po.properties = producer_properties(s);
    kafka::KafkaPublisher publisher(po);
    courier::outbox::OutboxRelayOptions options;
    options.dsn = dsn;
    options.name = "bench";
    options.batch_size = s.batch_size;
    options.pipeline_depth = s.depth;
    courier::outbox::OutboxRelay relay(options, publisher);
    std::jthread runner([&](std::stop_token stop) { relay.run(stop); });
    // Warm up: the producer's connections and producer id, the relay's first round trips.
    enqueue(dsn, {messages.front()});
    while (relay.stats().deleted < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    const auto target = static_cast<uint64_t>(messages.size()) + 1;
    vacuum(dsn);
    enqueue(dsn, messages);  // the clock starts when the commit returns
    const auto start = Steady::now();
    for (;;) {
        const auto st = relay.stats();
        if (st.published >= target && st.deleted >= target) break;
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    const double elapsed = Seconds(Steady::now() - start).count();
    runner.request_stop();
    runner.join();
    if (relay.stats().failed > 0)
        std::fprintf(stderr, "relay: %llu failed publishes\n",
                     static_cast<unsigned long long>(relay.stats().failed));
    return static_cast<double>(messages.size()) / elapsed;
}

// ---- baseline 1: raw librdkafka producing the same messages --------------------------------------

rd_kafka_t* raw_producer(const Settings& s, rd_kafka_conf_t* conf) {
    char reason[512];
    const auto properties = producer_properties(s);
    for (const auto& [k, v] : properties.items()) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), reason, sizeof reason) != RD_KAFKA_CONF_OK) {
            std::fprintf(stderr, "%s\n", reason);
            std::exit(1);
        }
    }
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason, sizeof reason);
    if (rk == nullptr) {
        std::fprintf(stderr, "%s\n", reason);
        std::exit(1);
    }
    return rk;
}

rd_kafka_resp_err_t raw_produce(rd_kafka_t* rk, const courier::Message& m, void* opaque) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(m.headers.size());
    for (const auto& h : m.headers) {
        rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                            static_cast<ssize_t>(h.value.size()));
    }
    auto err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(m.topic.c_str()),
                                 RD_KAFKA_V_VALUE(const_cast<char*>(m.payload.data()), m.payload.size()),
                                 RD_KAFKA_V_KEY(m.key->data(), m.key->size()), RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(opaque),
                                 RD_KAFKA_V_END);
    if (err) rd_kafka_headers_destroy(headers);
    return err;
}

double raw_librdkafka(const Settings& s, const std::vector<courier::Message>& messages) {
    static std::atomic<long> delivered, failed;
    delivered = 0;
    failed = 0;
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
        (m->err ? failed : delivered).fetch_add(1, std::memory_order_relaxed);
    });
    rd_kafka_t* rk = raw_producer(s, conf);
    // Warm up as the relay does: connections and producer id before the clock starts.
    raw_produce(rk, messages.front(), nullptr);
    rd_kafka_flush(rk, 60000);
    delivered = 0;
    const auto start = Steady::now();
    for (const auto& m : messages) {
        while (raw_produce(rk, m, nullptr) == RD_KAFKA_RESP_ERR__QUEUE_FULL) rd_kafka_poll(rk, 10);
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    const double elapsed = Seconds(Steady::now() - start).count();
    rd_kafka_destroy(rk);
    if (failed > 0) std::fprintf(stderr, "raw librdkafka: %ld failed\n", failed.load());
    return static_cast<double>(delivered.load()) / elapsed;
}

// ---- baseline 2: raw libpq select-and-delete over the same rows ----------------------------------

double raw_libpq(const std::string& dsn, const std::vector<courier::Message>& messages) {
    vacuum(dsn);
    enqueue(dsn, messages);
    PGconn* conn = PQconnectdb(dsn.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::fprintf(stderr, "libpq: %s\n", PQerrorMessage(conn));
        std::exit(1);
    }
    // The classic relay loop, given every advantage the relay has: it reads by the primary key
    // and its session does not wait for WAL flushes either.
    PQclear(PQexec(conn, "SET synchronous_commit = off"));
    long drained = 0;
    const auto start = Steady::now();
    for (;;) {
        PQclear(PQexec(conn, "BEGIN"));
        PGresult* rows = PQexec(conn,
                                "SELECT shard, id, topic, key, headers, payload FROM courier_outbox "
                                "ORDER BY shard, id LIMIT 1000 FOR UPDATE SKIP LOCKED");
        const int n = PQntuples(rows);
        std::string shards = "{", ids = "{";
        for (int i = 0; i < n; ++i) {
            if (i > 0) {
                shards += ',';
                ids += ',';
            }
            shards += PQgetvalue(rows, i, 0);
            ids += PQgetvalue(rows, i, 1);
        }
        shards += '}';
        ids += '}';
        PQclear(rows);
        if (n > 0) {
            const char* values[] = {shards.c_str(), ids.c_str()};
            PQclear(PQexecParams(
                conn,
                "DELETE FROM courier_outbox AS o USING unnest($1::smallint[], $2::bigint[]) AS d(shard, id) "
                "WHERE o.shard = d.shard AND o.id = d.id",
                2, nullptr, values, nullptr, nullptr, 0));
        }
        PQclear(PQexec(conn, "COMMIT"));
        drained += n;
        if (n == 0) break;
    }
    const double elapsed = Seconds(Steady::now() - start).count();
    PQfinish(conn);
    if (drained != static_cast<long>(messages.size())) std::fprintf(stderr, "libpq: drained %ld\n", drained);
    return static_cast<double>(drained) / elapsed;
}

// ---- latency at a steady rate ----------------------------------------------------------------------

struct Latency {
    double p50 = 0, p99 = 0;
};

Latency percentiles(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    if (samples.empty()) return {};
    auto at = [&](double q) {
        return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))];
    };
    return {at(0.50), at(0.99)};
}

// Records the acknowledgement time of every message the relay publishes, by ce_id.
class TimingPublisher final : public courier::broker::Publisher {
public:
    explicit TimingPublisher(courier::broker::Publisher& inner) : inner_(inner) {}
    using courier::broker::Publisher::publish;
    void publish(courier::Message message, courier::broker::DeliveryCallback done) override {
        std::string id(message.headers.get(courier::ce::kId).value_or(""));
        inner_.publish(std::move(message), [this, id = std::move(id), done = std::move(done)](auto result) {
            if (result) {
                std::lock_guard lock(mutex_);
                acked_.emplace(id, Steady::now());
            }
            done(std::move(result));
        });
    }
    bool flush(std::chrono::milliseconds timeout) override { return inner_.flush(timeout); }
    std::size_t in_flight() const override { return inner_.in_flight(); }
    std::map<std::string, Steady::time_point> acked() {
        std::lock_guard lock(mutex_);
        return acked_;
    }

private:
    courier::broker::Publisher& inner_;
    std::mutex mutex_;
    std::map<std::string, Steady::time_point> acked_;
};

Latency relay_latency(const Settings& s, const std::string& dsn, const std::string& topic) {
    kafka::KafkaPublisherOptions po;
    po.properties = producer_properties(s);
    kafka::KafkaPublisher kafka_publisher(po);
    TimingPublisher publisher(kafka_publisher);
    courier::outbox::OutboxRelayOptions options;
    options.dsn = dsn;
    options.name = "bench-latency";
    options.batch_size = s.batch_size;
    options.pipeline_depth = s.depth;
    courier::outbox::OutboxRelay relay(options, publisher);
    std::jthread runner([&](std::stop_token stop) { relay.run(stop); });
    while (relay.stats().shards_held < courier::outbox::kShards)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));

    auto c = courier::pg::Connection::open(dsn);
    const courier::outbox::Outbox outbox;
    const long total = static_cast<long>(s.rate) * s.seconds;
    const auto messages = make_messages(s, topic, total);
    std::vector<std::pair<std::string, Steady::time_point>> committed;
    committed.reserve(static_cast<std::size_t>(total));
    const auto interval = std::chrono::nanoseconds(1000000000L / s.rate);
    const auto start = Steady::now();
    for (long i = 0; i < total; ++i) {
        std::this_thread::sleep_until(start + interval * i);
        courier::pg::Transaction tx(c);
        if (auto done = outbox.enqueue(tx, messages[static_cast<std::size_t>(i)]); !done) {
            throw courier::CourierError(done.error());
        }
        tx.commit();
        committed.emplace_back(
            std::string(*messages[static_cast<std::size_t>(i)].headers.get(courier::ce::kId)), Steady::now());
    }
    while (relay.stats().published < static_cast<uint64_t>(total))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    runner.request_stop();
    runner.join();
    const auto acked = publisher.acked();
    std::vector<double> samples;
    // The first second warms connections and caches up; it is not steady state.
    for (std::size_t i = static_cast<std::size_t>(s.rate); i < committed.size(); ++i) {
        auto it = acked.find(committed[i].first);
        if (it != acked.end()) samples.push_back(Millis(it->second - committed[i].second).count());
    }
    return percentiles(std::move(samples));
}

Latency raw_latency(const Settings& s, const std::string& topic) {
    struct Sent {
        Steady::time_point at;
        double* sample;
    };
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
        auto* sent = static_cast<Sent*>(m->_private);
        *sent->sample = m->err ? -1 : Millis(Steady::now() - sent->at).count();
    });
    rd_kafka_t* rk = raw_producer(s, conf);
    const long total = static_cast<long>(s.rate) * s.seconds;
    const auto messages = make_messages(s, topic, total);
    std::vector<double> samples(static_cast<std::size_t>(total), -1);
    std::vector<Sent> sent(static_cast<std::size_t>(total));
    std::atomic<bool> done{false};
    std::jthread poller([&] {
        while (!done.load()) rd_kafka_poll(rk, 10);
    });
    const auto interval = std::chrono::nanoseconds(1000000000L / s.rate);
    const auto start = Steady::now();
    for (long i = 0; i < total; ++i) {
        std::this_thread::sleep_until(start + interval * i);
        auto& entry = sent[static_cast<std::size_t>(i)];
        entry = {Steady::now(), &samples[static_cast<std::size_t>(i)]};
        raw_produce(rk, messages[static_cast<std::size_t>(i)], &entry);
    }
    rd_kafka_flush(rk, 60000);
    done = true;
    poller.join();
    rd_kafka_destroy(rk);
    samples.erase(samples.begin(), samples.begin() + std::min<long>(s.rate, total));
    std::erase_if(samples, [](double v) { return v < 0; });
    return percentiles(std::move(samples));
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    if (const char* env = std::getenv("COURIER_BROKERS")) s.brokers = env;
    if (const char* env = std::getenv("COURIER_BENCH_PG_DSN")) s.dsn = env;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--brokers")
            s.brokers = argv[i + 1];
        else if (flag == "--dsn")
            s.dsn = argv[i + 1];
        else if (flag == "--rows")
            s.rows = std::atol(argv[i + 1]);
        else if (flag == "--size")
            s.size = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (flag == "--keys")
            s.keys = std::atoi(argv[i + 1]);
        else if (flag == "--runs")
            s.runs = std::atoi(argv[i + 1]);
        else if (flag == "--rate")
            s.rate = std::atoi(argv[i + 1]);
        else if (flag == "--seconds")
            s.seconds = std::atoi(argv[i + 1]);
        else if (flag == "--batch-size")
            s.batch_size = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (flag == "--depth")
            s.depth = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else {
            std::fprintf(stderr,
                         "unknown flag %s\nusage: %s --brokers H:P --dsn POSTGRES-DSN [--rows N] [--size B] "
                         "[--keys K] "
                         "[--runs R] [--rate PER-S] [--seconds S] [--batch-size N] [--depth N]\n",
                         argv[i], argv[0]);
            return 2;
        }
    }
    if (s.brokers.empty() || s.dsn.empty()) {
        std::fprintf(stderr,
                     "need --brokers host:port (or COURIER_BROKERS) and --dsn (or COURIER_BENCH_PG_DSN)\n");
        return 2;
    }
    if (s.keys < 1 || s.runs < 1 || s.rate < 1 || s.seconds < 2 || s.rows < 1) {
        std::fprintf(stderr, "--keys, --runs, --rate, --rows must be positive and --seconds at least 2\n");
        return 2;
    }
    courier::configure_logging("warn");
    const std::string database = "outbox_bench_" + courier::new_uuid().substr(0, 8);
    auto admin = courier::pg::Connection::open(s.dsn);
    admin.exec_script("CREATE DATABASE " + admin.quote_identifier(database));
    int status = 0;
    try {
        const std::string dsn = courier::pg::dsn_with_database(s.dsn, database);
        {
            auto c = courier::pg::Connection::open(dsn);
            courier::outbox::install(c);
        }
        courier::Properties admin_properties;
        admin_properties.set("bootstrap.servers", s.brokers);
        const std::string topic = "bench-outbox-" + courier::new_uuid().substr(0, 8);
        kafka::KafkaAdmin(admin_properties).create_topic({topic, 3, 1, {}});
        const auto messages = make_messages(s, topic, s.rows);

        std::vector<double> relay, rdkafka, libpq;
        for (int run = 0; run < s.runs; ++run) {
            relay.push_back(relay_throughput(s, dsn, messages));
            rdkafka.push_back(raw_librdkafka(s, messages));
            libpq.push_back(raw_libpq(dsn, messages));
            std::printf("run %d: relay %.0f rows/s, raw librdkafka %.0f msg/s, raw libpq loop %.0f rows/s\n",
                        run + 1, relay.back(), rdkafka.back(), libpq.back());
        }
        std::vector<double> p50, p99, raw_p50, raw_p99;
        const int latency_runs = std::min(s.runs, 3);
        for (int run = 0; run < latency_runs; ++run) {
            const auto ours = relay_latency(s, dsn, topic);
            const auto raw = raw_latency(s, topic);
            p50.push_back(ours.p50);
            p99.push_back(ours.p99);
            raw_p50.push_back(raw.p50);
            raw_p99.push_back(raw.p99);
            std::printf(
                "latency run %d: relay p50 %.1f ms p99 %.1f ms; raw librdkafka p50 %.1f ms p99 %.1f ms\n",
                run + 1, ours.p50, ours.p99, raw.p50, raw.p99);
        }

        using courier::bench::median;
        const double ours = median(relay), kafka_baseline = median(rdkafka), pg_baseline = median(libpq);
        const double slower = std::min(kafka_baseline, pg_baseline);
        std::printf(
            "\noutbox: %ld rows x %zu B payload, %d keys, CloudEvents headers + traceparent, 3 partitions; "
            "throughput medians of %d runs, latency medians of %d runs at %d rows/s for %d s\n",
            s.rows, s.size, s.keys, s.runs, latency_runs, s.rate, s.seconds);
        std::printf("%-40s %12s %12s %8s\n", "figure", "courier", "baseline", "ratio");
        std::printf("%-40s %12.0f %12.0f %8.3f\n", "relay rows/s vs raw librdkafka", ours, kafka_baseline,
                    ours / kafka_baseline);
        std::printf("%-40s %12.0f %12.0f %8.3f\n", "relay rows/s vs raw libpq select+delete", ours,
                    pg_baseline, ours / pg_baseline);
        std::printf("%-40s %12.1f %12.1f %8.2f\n", "commit-to-ack p50 ms (vs produce-to-ack)", median(p50),
                    median(raw_p50), median(p50) / median(raw_p50));
        std::printf("%-40s %12.1f %12.1f %8.2f\n", "commit-to-ack p99 ms (vs produce-to-ack)", median(p99),
                    median(raw_p99), median(p99) / median(raw_p99));
        const bool fast = ours >= 30000 && ours >= 0.5 * slower;
        const bool prompt = median(p99) < 100;
        std::printf(
            "\ntargets: >= 30000 rows/s and >= 0.5x the slower baseline: %s (%.2fx); p99 < 100 ms: %s\n",
            fast ? "met" : "MISSED", ours / slower, prompt ? "met" : "MISSED");

        using courier::bench::print_result;
        print_result("relay, commit to broker ack (vs raw librdkafka producing the same messages)", "rows/s",
                     ours, kafka_baseline, s.runs);
        print_result("relay, commit to broker ack (vs raw libpq select+delete loop)", "rows/s", ours,
                     pg_baseline, s.runs);
        const std::string at = " at " + std::to_string(s.rate) + " rows/s";
        print_result("commit-to-ack p50" + at + " (vs raw librdkafka produce-to-ack)", "ms", median(p50),
                     median(raw_p50), latency_runs);
        print_result("commit-to-ack p99" + at + " (vs raw librdkafka produce-to-ack)", "ms", median(p99),
                     median(raw_p99), latency_runs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "outbox_bench: %s\n", e.what());
        status = 1;
    }
    admin.exec_script("DROP DATABASE IF EXISTS " + admin.quote_identifier(database) + " WITH (FORCE)");
    return status;
}
