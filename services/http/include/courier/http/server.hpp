#pragma once
// The HTTP/1.1 server the store services run on (DESIGN.md §10). Including this header gives the
// whole server API: Request, Response, HttpError, Router, Middleware, Metrics, health routes.
// Boost.Beast stays in the .cpp files.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "courier/http/health.hpp"
#include "courier/http/http_error.hpp"
#include "courier/http/metrics.hpp"
#include "courier/http/request.hpp"
#include "courier/http/response.hpp"
#include "courier/http/router.hpp"

namespace courier::http {

struct ServerOptions {
    std::string address = "127.0.0.1";
    uint16_t port = 0;                         ///< 0: any free port (tests); Server::port() tells which
    int threads = 2;                           ///< threads running I/O and handlers
    std::size_t max_body_bytes = 1 << 20;      ///< larger bodies: 413 "payload_too_large"
    std::size_t max_header_bytes = 16 * 1024;  ///< larger request heads: 431
    std::chrono::seconds read_timeout{30};     ///< for one whole request, and for an idle keep-alive
    std::chrono::seconds write_timeout{30};
    std::chrono::seconds shutdown_timeout{10};  ///< how long stop() waits for in-flight requests
    std::size_t max_connections = 1024;         ///< further connections are closed at once (logged)
};

/// HTTP/1.1 with keep-alive; Content-Length (and chunked) request bodies.
///
/// Handlers run on the server's threads, one request at a time per connection; many connections are
/// served concurrently, so handlers (and the router, middleware and metrics) must be thread-safe.
/// A handler may block (database calls); it then holds one of `threads`.
///
/// Answers: a handler's HttpError -> its status with Response::error JSON; any other exception ->
/// 500 {"error":{"code":"internal",...}}, logged with spdlog, and the server keeps serving;
/// malformed HTTP -> 400 "bad_request"; a body over max_body_bytes -> 413; unknown path -> 404;
/// known path, other method -> 405 with Allow. After a 400/413/431 the connection is closed.
///
/// With `metrics`, each request is counted in http_requests_total{method,route,status} and timed in
/// http_request_duration_seconds{method,route} (route = the matched pattern, "unmatched" for a
/// 404, so cardinality stays bounded; method = the verb, or "OTHER"), and
/// http_requests_in_flight is kept; the three families are declared when the server is built.
/// `metrics` must outlive the server.
class Server {
public:
    Server(ServerOptions options, Router router, std::vector<Middleware> middleware = {},
           Metrics* metrics = nullptr);
    /// Stops (see stop()).
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens, then serves on `threads` background threads; returns at once. Throws
    /// CourierError naming the address and the reason (e.g. "Address already in use") when it cannot
    /// listen, ConfigError for an address that does not parse, std::logic_error when called twice.
    void start();

    /// The bound port (after start()); the configured one before.
    uint16_t port() const;

    /// Graceful and idempotent: stops accepting, closes idle connections, lets in-flight requests
    /// finish and answers them with "Connection: close", waiting at most shutdown_timeout; then stops
    /// the threads and joins them (a handler still running past the timeout is waited for). Blocks.
    /// Must not be called from a handler (throws std::logic_error).
    void stop();

    /// Open connections right now (tests poll this).
    std::size_t connections() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::http
