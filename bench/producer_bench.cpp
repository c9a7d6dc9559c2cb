// Producer throughput: courier's KafkaPublisher against a raw librdkafka loop with identical
// settings, against the same broker, in the same process. Prints each run and the ratio of
// medians.
//
//   producer_bench --brokers 127.0.0.1:9092 [--messages 1000000] [--size 200] [--runs 5]

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "bench_support.hpp"
#include "courier/core/ids.hpp"

namespace {

using Seconds = std::chrono::duration<double>;

struct Settings {
    std::string brokers;
    long messages = 1000000;
    std::size_t size = 200;
    int runs = 5;
    int partitions = 3;
};

courier::Properties producer_properties(const Settings& s) {
    courier::Properties p;
    p.set("bootstrap.servers", s.brokers);
    p.set("enable.idempotence", "true");
    p.set("acks", "all");
    p.set("linger.ms", "5");
    p.set("batch.num.messages", "10000");
    p.set("queue.buffering.max.messages", "100000");
    return p;
}

std::string fresh_topic(const Settings& s) {
    auto topic = "bench-producer-" + courier::new_uuid().substr(0, 8);
    courier::Properties p;
    p.set("bootstrap.servers", s.brokers);
    courier::broker::kafka::KafkaAdmin(p).create_topic({topic, s.partitions, 1, {}});
    return topic;
}

std::string key_for(long i) { return "key-" + std::to_string(i % 1000); }

double raw_librdkafka(const Settings& s, const std::string& topic, const std::string& payload) {
    static std::atomic<long> delivered;
    static std::atomic<long> failed;
    delivered = 0;
    failed = 0;
    char reason[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto properties = producer_properties(s);
    for (const auto& [k, v] : properties.items()) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), reason, sizeof reason) != RD_KAFKA_CONF_OK) {
            std::fprintf(stderr, "%s\n", reason);
            std::exit(1);
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
        (m->err ? failed : delivered).fetch_add(1, std::memory_order_relaxed);
    });
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason, sizeof reason);
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < s.messages; ++i) {
        auto key = key_for(i);
        for (;;) {
            auto err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                                         RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                                         RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                         RD_KAFKA_V_END);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
            rd_kafka_poll(rk, 10);
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    double elapsed = Seconds(std::chrono::steady_clock::now() - start).count();
    rd_kafka_destroy(rk);
    if (failed || delivered != s.messages) std::fprintf(stderr, "raw: %ld failed\n", failed.load());
    return static_cast<double>(delivered.load()) / elapsed;
}

double courier_publisher(const Settings& s, const std::string& topic, const std::string& payload) {
    std::atomic<long> delivered{0};
    std::atomic<long> failed{0};
    courier::broker::kafka::KafkaPublisherOptions options;
    options.properties = producer_properties(s);
    courier::broker::kafka::KafkaPublisher publisher(options);
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < s.messages; ++i) {
        courier::Message m;
        m.topic = topic;
        m.key = key_for(i);
        m.payload = payload;
        publisher.publish(std::move(m), [&](courier::Result<courier::broker::DeliveryReport> r) {
            (r ? delivered : failed).fetch_add(1, std::memory_order_relaxed);
        });
    }
    publisher.flush(std::chrono::seconds(60));
    double elapsed = Seconds(std::chrono::steady_clock::now() - start).count();
    if (failed || delivered != s.messages) std::fprintf(stderr, "courier: %ld failed\n", failed.load());
    return static_cast<double>(delivered.load()) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    if (const char* env = std::getenv("COURIER_BROKERS")) s.brokers = env;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--brokers") s.brokers = argv[i + 1];
        else if (flag == "--messages") s.messages = std::atol(argv[i + 1]);
        else if (flag == "--size") s.size = static_cast<std::size_t>(std::atol(argv[i + 1]));
        else if (flag == "--runs") s.runs = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "unknown flag %s\nusage: %s --brokers H:P [--messages N] [--size B] [--runs R]\n",
                         argv[i], argv[0]);
            return 2;
        }
    }
    if (s.brokers.empty()) {
        std::fprintf(stderr, "no brokers: pass --brokers host:port or set COURIER_BROKERS (scripts/kafka start)\n");
        return 2;
    }
    std::string payload(s.size, 'x');
    std::vector<double> raw, ours;
    for (int run = 0; run < s.runs; ++run) {
        // Alternate which goes first so neither always meets a warmer broker.
        auto topic_a = fresh_topic(s), topic_b = fresh_topic(s);
        double r, c;
        if (run % 2 == 0) {
            r = raw_librdkafka(s, topic_a, payload);
            c = courier_publisher(s, topic_b, payload);
        } else {
            c = courier_publisher(s, topic_b, payload);
            r = raw_librdkafka(s, topic_a, payload);
        }
        raw.push_back(r);
        ours.push_back(c);
        std::printf("run %d: raw librdkafka %.0f msg/s, courier %.0f msg/s, ratio %.3f\n", run + 1, r, c, c / r);
        std::fflush(stdout);
    }
    double mr = courier::bench::median(raw), mc = courier::bench::median(ours);
    std::printf("producer: %ld x %zu B, idempotent, acks=all, linger.ms=5; median of %d runs\n", s.messages, s.size,
                s.runs);
    std::printf("%-28s %14s %14s %8s\n", "figure", "courier", "baseline", "ratio");
    std::printf("%-28s %14.0f %14.0f %8.3f\n", "publish msg/s (raw rdkafka)", mc, mr, mc / mr);
    courier::bench::print_result("publish, idempotent, acks=all (vs raw librdkafka producer)", "msg/s", mc,
                                 mr, s.runs);
    return 0;
}
