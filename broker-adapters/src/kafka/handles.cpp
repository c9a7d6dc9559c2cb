#include "handles.hpp"

#include "courier/core/errors.hpp"

namespace courier::broker::kafka {

ConfHandle make_conf(const Properties& properties) {
    ConfHandle conf(rd_kafka_conf_new());
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
