#pragma once
// librdkafka error codes → courier Error kinds, in one place (STYLE.md, Errors).

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

#include "courier/core/result.hpp"

namespace courier::broker::kafka {

/// True when retrying the same operation later may succeed (broker down, timeouts, leader
/// changes, full queues, rebalances).
bool is_transient(rd_kafka_resp_err_t err) noexcept;

/// "kafka.<error name>" lower-case, e.g. "kafka._msg_timed_out", "kafka.unknown_topic_or_part".
std::string error_code(rd_kafka_resp_err_t err);

/// An Error with the right kind, librdkafka's text, `context` (what was being done, where)
/// and, for common mistakes, a hint of what to do.
Error to_error(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail = {});

}  // namespace courier::broker::kafka
