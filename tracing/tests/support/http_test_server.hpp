#pragma once
// Test-only HTTP on plain sockets: a fake OTLP/HTTP receiver that records requests and answers
// with scripted statuses, and a blocking GET for reading Jaeger's query API.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace courier::tracing::testing {

struct RecordedRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  ///< names lower-cased
    std::string body;
};

/// Listens on 127.0.0.1 (an ephemeral port), HTTP/1.1 with keep-alive, one connection at a time.
/// Thread-safe.
class HttpTestServer {
public:
    HttpTestServer();
    ~HttpTestServer();
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;

    int port() const noexcept { return port_; }
    /// http://127.0.0.1:<port><path>
    std::string url(const std::string& path) const;

    /// The next requests get these statuses, in order; after that, 200.
    void script(std::vector<int> statuses);
    /// Adds a Retry-After header (seconds) to scripted non-200 answers.
    void set_retry_after(int seconds);
    /// Holds each answer back this long (to test timeouts and a full queue).
    void set_delay(std::chrono::milliseconds delay);

    std::vector<RecordedRequest> requests() const;
    /// Polls until at least `count` requests arrived or `timeout` passed; returns how many did.
    std::size_t wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

private:
    void serve();
    void handle(int fd);

    int listen_fd_ = -1;
    int port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::deque<int> statuses_;
    int retry_after_ = -1;
    std::chrono::milliseconds delay_{0};
    std::vector<RecordedRequest> requests_;
    bool stopping_ = false;
};

struct HttpResponse {
    int status = 0;  ///< 0 when the connection failed
    std::string body;
    std::string error;
};

/// GET http://host:port/path, HTTP/1.1, Connection: close; blocks up to `timeout`.
HttpResponse http_get(const std::string& host, int port, const std::string& path,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace courier::tracing::testing
