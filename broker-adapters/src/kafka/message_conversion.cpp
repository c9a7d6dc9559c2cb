#include "message_conversion.hpp"

namespace courier::broker::kafka {

Message to_message(const rd_kafka_message_t& source, const std::string& group) {
    Message m;
    m.topic = rd_kafka_topic_name(source.rkt);
    if (source.key) m.key.emplace(static_cast<const char*>(source.key), source.key_len);
    if (source.payload) m.payload.assign(static_cast<const char*>(source.payload), source.len);
    rd_kafka_headers_t* headers = nullptr;
    // Headers are owned by the message; rd_kafka_message_headers only lends them.
    if (rd_kafka_message_headers(&source, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
        m.headers.reserve(rd_kafka_header_cnt(headers));
        const char* name = nullptr;
        const void* value = nullptr;
        std::size_t size = 0;
        for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            m.headers.add(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
        }
    }
    rd_kafka_timestamp_type_t type;
    int64_t timestamp = rd_kafka_message_timestamp(&source, &type);
    m.metadata = MessageMetadata{source.partition, source.offset, type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : timestamp,
                                 group};
    return m;
}

}  // namespace courier::broker::kafka
