#pragma once
// One JSON object per line for a Kafka record: what `courier consume -J` prints and
// `courier produce -J` reads, so one's output feeds the other.
//
//   {"topic":"t","partition":0,"offset":5,"timestamp":1795303383870,
//    "key":"k","value":"v","headers":[{"name":"ce_id","value":"..."}]}
//
// Bytes that are not valid UTF-8 (keys, values, header values) are written base64-encoded
// under "key_base64" / "value_base64" instead, so nothing is lost. A null key is null.

#include <string>
#include <string_view>

#include "courier/core/message.hpp"

namespace courier::cli {

/// The record as one JSON line (no trailing newline).
std::string to_json_line(const Message& message);

/// Parses one JSON line into a message to produce. `topic` and `partition` in the line are
/// used when present, else the defaults. Throws ConfigError naming `where` (e.g. "stdin:3") and
/// what was wrong (invalid JSON with its offset, a field of the wrong type).
Message from_json_line(std::string_view line, std::string_view where, const std::string& default_topic);

bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace courier::cli
