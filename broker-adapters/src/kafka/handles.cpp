#include "handles.hpp"

#include <spdlog/spdlog.h>

#include "courier/core/errors.hpp"

namespace courier::broker::kafka {

namespace {
// librdkafka logs from its own threads in syslog levels; spdlog is thread-safe.
void log_to_spdlog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    auto spd = level <= 3 ? spdlog::level::err : level == 4 ? spdlog::level::warn
             : level <= 6 ? spdlog::level::info : spdlog::level::debug;
    spdlog::log(spd, "rdkafka {} {}: {}", rk ? rd_kafka_name(rk) : "-", facility, message);
}

// For clients whose owner sets no error callback of its own (the admin client).
void log_client_error(rd_kafka_t* rk, int err, const char* reason, void*) {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    note_client_error(rk, code, reason);
    spdlog::warn("kafka client {}: {} ({})", rd_kafka_name(rk), reason, rd_kafka_err2name(code));
}
}  // namespace

ConfHandle make_conf(const Properties& properties) {
    ConfHandle conf(rd_kafka_conf_new());
    rd_kafka_conf_set_log_cb(conf.get(), &log_to_spdlog);
    rd_kafka_conf_set_error_cb(conf.get(), &log_client_error);
    char reason[512];
    for (const auto& [key, value] : properties.items()) {
        if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), reason, sizeof reason) != RD_KAFKA_CONF_OK) {
            throw ConfigError("Kafka property " + key + ": " + reason,
                              "see librdkafka's CONFIGURATION.md for valid names and values");
        }
    }
    return conf;
}

ClientHandle make_client(rd_kafka_type_t type, ConfHandle conf, const Properties& properties) {
    auto servers = properties.get("bootstrap.servers");
    if (!servers || servers->empty()) {
        throw ConfigError("no Kafka brokers configured",
                          "pass -b host:port, set COURIER_BROKERS, or start the local broker with scripts/kafka start "
                          "(it listens on 127.0.0.1:9092)");
    }
    char reason[512];
    rd_kafka_t* raw = rd_kafka_new(type, conf.get(), reason, sizeof reason);
    if (raw == nullptr) throw ConfigError(std::string("cannot create Kafka client: ") + reason);
    conf.release();  // rd_kafka_new took ownership on success
    return ClientHandle(raw);
}

}  // namespace courier::broker::kafka
