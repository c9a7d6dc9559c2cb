#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

#include "courier/core/message.hpp"

namespace courier::broker::kafka {

/// Copies a consumed librdkafka message (which the caller still owns) into a courier Message
/// with its metadata; `group` is recorded in the metadata.
Message to_message(const rd_kafka_message_t& source, const std::string& group);

}  // namespace courier::broker::kafka
