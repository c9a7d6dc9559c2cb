#pragma once
// RAII for librdkafka's C handles. Private to the Kafka adapter: no rdkafka type leaks into
// a public header (STYLE.md, Layout).

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "courier/core/properties.hpp"
#include "errors.hpp"

namespace courier::broker::kafka {

struct ClientDeleter {
    void operator()(rd_kafka_t* rk) const noexcept {
        rd_kafka_destroy(rk);
        forget_client_errors(rk);
    }
};
struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
};
struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const noexcept {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
struct HeadersDeleter {
    void operator()(rd_kafka_headers_t* headers) const noexcept { rd_kafka_headers_destroy(headers); }
};
struct MessageDeleter {
    void operator()(rd_kafka_message_t* message) const noexcept { rd_kafka_message_destroy(message); }
};
struct QueueDeleter {
    void operator()(rd_kafka_queue_t* queue) const noexcept { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
    void operator()(rd_kafka_event_t* event) const noexcept { rd_kafka_event_destroy(event); }
};
struct ErrorDeleter {
    void operator()(rd_kafka_error_t* error) const noexcept { rd_kafka_error_destroy(error); }
};

using ClientHandle = std::unique_ptr<rd_kafka_t, ClientDeleter>;
using ConfHandle = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using HeadersHandle = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using QueueHandle = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventHandle = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using ErrorHandle = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

inline PartitionList new_partition_list(int capacity) {
    return PartitionList(rd_kafka_topic_partition_list_new(capacity));
}

/// Builds a librdkafka configuration from properties. Throws ConfigError naming the property,
/// librdkafka's reason and where to look when a property is unknown or its value invalid.
ConfHandle make_conf(const Properties& properties);

/// Creates a client of `type`, taking ownership of `conf`. Throws ConfigError when librdkafka
/// refuses (e.g. an invalid combination of properties) and when bootstrap.servers is missing.
ClientHandle make_client(rd_kafka_type_t type, ConfHandle conf, const Properties& properties);

}  // namespace courier::broker::kafka
