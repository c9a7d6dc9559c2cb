#pragma once
// Points in time and durations as operators type them on a command line: `--since`, `--until`
// (courier replay) and `--to-datetime` (courier groups reset-offsets).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace courier::cli {

/// A duration: one or more <number><unit> with units ms, s, m, h, d, e.g. "90s", "15m", "2h",
/// "1d", "1h30m", "500ms". Throws ConfigError saying what was expected.
std::chrono::milliseconds parse_duration(std::string_view text);

/// A point in time, in milliseconds since the Unix epoch. Accepts
///  - RFC 3339 with a zone: "2026-11-21T10:00:00Z", "2026-11-21 12:00:00.250+02:00";
///  - a duration before `now` (see parse_duration): "2h" is two hours ago;
///  - "now";
///  - Unix milliseconds after an @: "@1795303383870" (kcat's s@ form without the s).
/// Throws ConfigError naming the text and the accepted forms.
int64_t parse_time_point(std::string_view text, std::chrono::system_clock::time_point now);

/// RFC 3339 UTC with milliseconds, e.g. "2026-11-21T10:00:00.000Z".
std::string format_time_ms(int64_t ms_since_epoch);

}  // namespace courier::cli
