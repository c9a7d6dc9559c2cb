#pragma once
// Logging goes through spdlog's default logger (to stderr). Sources include <spdlog/spdlog.h>
// themselves; this header stays light so it can be included widely.

#include <string_view>

namespace courier {

/// Sets the default logger: stderr, pattern with time, level and thread, level from `level`
/// ("trace".."off") or, when empty, from $COURIER_LOG_LEVEL (default "info"). Idempotent.
void configure_logging(std::string_view level = {});

}  // namespace courier
