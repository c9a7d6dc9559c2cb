#pragma once
// Access log middleware: one line per request.

#include <string>

#include "courier/http/router.hpp"

namespace courier::http {

/// Logs each request after it is answered through spdlog's default logger, e.g.
///   "order: POST /orders -> 202 (route /orders, 1.7 ms, 127.0.0.1:51234)"
/// at info level for 1xx-4xx, warn for 5xx. Requests for /healthz, /readyz and /metrics are logged
/// at debug level (probes and scrapes would drown the rest). `name` prefixes each line (the
/// service name); empty for none. Thread-safe.
Middleware access_log(std::string name = {});

}  // namespace courier::http
