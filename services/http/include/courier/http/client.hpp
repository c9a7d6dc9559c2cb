#pragma once
// A small synchronous HTTP/1.1 client for tests and the `courier demo` load driver.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "courier/http/response.hpp"

namespace courier::http {

/// One keep-alive connection to host:port, opened on first use. Not thread-safe: use one Client per
/// thread. Every call blocks for at most `timeout` per attempt (connect, write and read together).
class Client {
public:
    Client(std::string host, uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;

    /// Sends one request and returns the response whatever its status (the body is not
    /// interpreted). `content_type` is sent only with a non-empty body. Reuses the connection; when a
    /// reused connection turns out closed by the server (EOF or reset before any response byte), it
    /// reconnects and sends once more. Throws CourierError (transient) naming host:port on
    /// connect failure, timeout, or a malformed response; the connection is then closed.
    Response request(std::string_view method, std::string_view target, std::string_view body = {},
                     std::string_view content_type = "application/json");

    Response get(std::string_view target) { return request("GET", target); }
    Response post(std::string_view target, std::string_view body) { return request("POST", target, body); }
    Response patch(std::string_view target, std::string_view body) { return request("PATCH", target, body); }
    Response put(std::string_view target, std::string_view body) { return request("PUT", target, body); }
    Response del(std::string_view target) { return request("DELETE", target); }

    /// Closes the connection (the next request opens a new one).
    void close();

    const std::string& host() const noexcept;
    uint16_t port() const noexcept;
    /// How many TCP connections this client has opened so far (tests check reuse with it).
    std::size_t connections_opened() const noexcept;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// Parses "http://host:port" (a path, query or fragment is ignored) into host and port. The scheme
/// may be omitted ("localhost:8081"); the port defaults to 80; "[::1]:8080" gives "::1". Throws
/// ConfigError quoting the text on anything else (https, empty host, bad port).
std::pair<std::string, uint16_t> parse_http_url(std::string_view url);

}  // namespace courier::http
