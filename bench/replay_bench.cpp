// Replay throughput (messages copied per second) beside a raw librdkafka consume-and-produce
// loop that copies the same range in the same run:
//  - raw: an assign-mode consumer reads every partition from the beginning to its end and an
//    idempotent producer (acks=all, as courier's) republishes each message's key, payload and
//    headers to the target; timed from creating the clients to the final flush;
//  - courier replay: the `courier replay` command in-process (admin checks, range resolution,
//    the RangeReader, provenance headers, delivery callbacks), timed over the whole command;
//  - courier replay --checkpoint: the same with a checkpoint file, which flushes and records
//    progress every second.
// Each run copies into fresh target topics; the copies are counted before a figure is kept.
//
//   replay_bench --brokers H:P [--messages 300000] [--runs 5]

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/cli/commands.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/ids.hpp"

namespace {

using Steady = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;
namespace kafka = courier::broker::kafka;

constexpr int kPartitions = 3;

struct Settings {
    std::string brokers;
    long messages = 300000;
    int runs = 5;
};

courier::Properties kafka_props(const Settings& s) {
    courier::Properties p;
    p.set("bootstrap.servers", s.brokers);
    return p;
}

std::string new_topic(const Settings& s, const std::string& prefix) {
    auto topic = prefix + "-" + courier::new_uuid().substr(0, 8);
    kafka::KafkaAdmin(kafka_props(s)).create_topic({topic, kPartitions, 1, {}});
    return topic;
}

std::string fill_topic(const Settings& s) {
    auto topic = new_topic(s, "bench-replay-src");
    kafka::KafkaPublisherOptions o{kafka_props(s)};
    o.properties.set("linger.ms", "5");
    kafka::KafkaPublisher publisher(o);
    std::string payload(200, 'x');
    for (long i = 0; i < s.messages; ++i) {
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

int64_t count(const Settings& s, const std::string& topic) {
    kafka::KafkaAdmin admin(kafka_props(s));
    int64_t n = 0;
    for (int p = 0; p < kPartitions; ++p) n += admin.watermarks({topic, p}).high;
    return n;
}

rd_kafka_conf_t* conf_of(const std::vector<std::pair<std::string, std::string>>& settings) {
    char reason[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [k, v] : settings) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), reason, sizeof reason) != RD_KAFKA_CONF_OK) {
            std::fprintf(stderr, "raw: %s\n", reason);
            std::exit(1);
        }
    }
    return conf;
}

// Seconds for the raw loop to copy every message of `source` to `target`.
double raw_copy(const Settings& s, const std::string& source, const std::string& target) {
    char reason[512];
    auto start = Steady::now();
    rd_kafka_t* consumer =
        rd_kafka_new(RD_KAFKA_CONSUMER,
                     conf_of({{"bootstrap.servers", s.brokers},
                              {"group.id", "bench-raw-" + courier::new_uuid().substr(0, 8)},
                              {"enable.auto.commit", "false"},
                              {"enable.partition.eof", "true"}}),
                     reason, sizeof reason);
    rd_kafka_t* producer = rd_kafka_new(
        RD_KAFKA_PRODUCER,
        conf_of({{"bootstrap.servers", s.brokers}, {"enable.idempotence", "true"}, {"acks", "all"}}), reason,
        sizeof reason);
    rd_kafka_poll_set_consumer(consumer);
    auto list = rd_kafka_topic_partition_list_new(kPartitions);
    for (int p = 0; p < kPartitions; ++p) {
        rd_kafka_topic_partition_list_add(list, source.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    long copied = 0;
    int at_end = 0;
    while (at_end < kPartitions || copied < s.messages) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            ++at_end;
        } else if (!m->err) {
            rd_kafka_headers_t* headers = nullptr;
            rd_kafka_headers_t* copy = nullptr;
            if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR)
                copy = rd_kafka_headers_copy(headers);
            for (;;) {
                auto err = rd_kafka_producev(
                    producer, RD_KAFKA_V_TOPIC(target.c_str()), RD_KAFKA_V_KEY(m->key, m->key_len),
                    RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_HEADERS(copy), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                    if (err) {
                        std::fprintf(stderr, "raw: produce failed: %s\n", rd_kafka_err2str(err));
                        std::exit(1);
                    }
                    break;
                }
                rd_kafka_poll(producer, 10);
            }
            rd_kafka_poll(producer, 0);
            ++copied;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_flush(producer, 60000);
    double elapsed = Seconds(Steady::now() - start).count();
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    return elapsed;
}

double replay_copy(const Settings& s, const std::string& source, const std::string& target, bool checkpoint) {
    std::vector<std::string> args = {"-t", source, "--to", target, "-q", "-b", s.brokers};
    std::string file;
    if (checkpoint) {
        file = (std::filesystem::temp_directory_path() / ("bench-replay-" + courier::new_uuid() + ".json"))
                   .string();
        args.insert(args.end(), {"--checkpoint", file});
    }
    std::istringstream in;
    std::ostringstream out, err;
    auto start = Steady::now();
    int code = courier::cli::run_replay(args, courier::cli::CommandIo{in, out, err, nullptr});
    double elapsed = Seconds(Steady::now() - start).count();
    if (!file.empty()) std::filesystem::remove(file);
    if (code != 0) {
        std::fprintf(stderr, "courier replay failed (%d): %s\n", code, err.str().c_str());
        std::exit(1);
    }
    return elapsed;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    if (const char* b = std::getenv("COURIER_BROKERS")) s.brokers = b;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--brokers") {
            s.brokers = argv[i + 1];
        } else if (flag == "--messages") {
            s.messages = std::atol(argv[i + 1]);
        } else if (flag == "--runs") {
            s.runs = std::atoi(argv[i + 1]);
        } else {
            std::fprintf(stderr, "unknown flag %s\n", argv[i]);
            return 2;
        }
    }
    if (s.brokers.empty() || s.messages <= 0 || s.runs <= 0) {
        std::fprintf(stderr, "usage: %s --brokers H:P [--messages N] [--runs R]\n", argv[0]);
        return 2;
    }
    auto source = fill_topic(s);
    std::vector<double> raw, ours, ours_checkpoint;
    auto rate = [&](double seconds, const std::string& target, const char* what) {
        auto copies = count(s, target);
        if (copies != s.messages) {
            std::fprintf(stderr, "%s copied %lld of %ld messages\n", what, static_cast<long long>(copies),
                         s.messages);
            std::exit(1);
        }
        return static_cast<double>(s.messages) / seconds;
    };
    for (int run = 0; run < s.runs; ++run) {
        auto t1 = new_topic(s, "bench-replay-raw"), t2 = new_topic(s, "bench-replay-courier"),
             t3 = new_topic(s, "bench-replay-checkpoint");
        double r = rate(raw_copy(s, source, t1), t1, "raw");
        double c = rate(replay_copy(s, source, t2, false), t2, "replay");
        double k = rate(replay_copy(s, source, t3, true), t3, "replay --checkpoint");
        raw.push_back(r);
        ours.push_back(c);
        ours_checkpoint.push_back(k);
        std::printf(
            "run %d: raw copy %.0f/s, courier replay %.0f/s (%.3f), with --checkpoint %.0f/s (%.3f)\n",
            run + 1, r, c, c / r, k, k / r);
        std::fflush(stdout);
        kafka::KafkaAdmin admin(kafka_props(s));
        for (const auto& t : {t1, t2, t3}) admin.delete_topic(t);
    }
    std::printf(
        "replay: %ld x 200 B messages with CloudEvents headers, %d partitions, copied topic to topic; median "
        "of "
        "%d runs\n",
        s.messages, kPartitions, s.runs);
    std::printf("%-44s %12s %12s %8s\n", "figure", "courier", "baseline", "ratio");
    using courier::bench::median;
    std::printf("%-44s %12.0f %12.0f %8.3f\n", "replay msg/s (raw rdkafka copy loop)", median(ours),
                median(raw), median(ours) / median(raw));
    std::printf("%-44s %12.0f %12.0f %8.3f\n", "replay --checkpoint msg/s (raw copy loop)",
                median(ours_checkpoint), median(raw), median(ours_checkpoint) / median(raw));
    kafka::KafkaAdmin(kafka_props(s)).delete_topic(source);
    using courier::bench::print_result;
    print_result("courier replay, topic to topic (vs raw librdkafka consume+produce loop)", "msg/s",
                 median(ours), median(raw), s.runs);
    print_result("courier replay --checkpoint (vs the same raw loop)", "msg/s", median(ours_checkpoint),
                 median(raw), s.runs);
    return 0;
}
