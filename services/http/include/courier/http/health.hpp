#pragma once
// The three operational endpoints every service exposes.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "courier/http/metrics.hpp"
#include "courier/http/router.hpp"

namespace courier::http {

/// Named readiness checks, e.g. {{"database", true}, {"broker", false}}.
using ReadinessChecks = std::function<std::vector<std::pair<std::string, bool>>()>;

/// Adds:
/// - GET /healthz: 200 {"status":"ok"} while the process serves at all (liveness);
/// - GET /readyz: 200 {"status":"ready","checks":{"database":true,...}} when every check is true,
///   else 503 {"status":"not_ready","checks":{...}}. If `readiness_checks` itself throws, 503 with
///   {"status":"not_ready","checks":{},"error":"..."}. An empty function means always ready.
///   The checks run on a server thread per request: keep them quick (cache slow probes).
/// - GET /metrics: 200 text/plain; version=0.0.4 with metrics->render(), only when `metrics` is
///   not null (it must outlive the router).
void add_health_routes(Router& router, ReadinessChecks readiness_checks, Metrics* metrics);

}  // namespace courier::http
