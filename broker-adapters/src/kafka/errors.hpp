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

/// Error callbacks report here. A broker refusing a client's credentials is seen only by the
/// callback; what the caller gets later is a transport error or a timeout. So an authentication
/// failure is kept per client (until forget_client_errors) to name the real cause.
void note_client_error(const rd_kafka_t* rk, rd_kafka_resp_err_t err, const char* reason);
void forget_client_errors(const rd_kafka_t* rk) noexcept;

/// to_error, except that a transport error or timeout of a client whose credentials the broker
/// refused becomes that authentication failure (permanent, with the broker's reason). Serves the
/// client's queued callbacks first (rd_kafka_poll), so use it for clients nobody else polls.
Error client_error(rd_kafka_t* rk, rd_kafka_resp_err_t err, std::string_view context,
                   std::string_view detail = {});

}  // namespace courier::broker::kafka
