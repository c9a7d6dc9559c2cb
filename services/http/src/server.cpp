#include "courier/http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "beast.hpp"
#include "courier/core/errors.hpp"

namespace courier::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// After answering a protocol error the connection is closed; the client may still be sending the
// rest of its request. Reading (and discarding) for a while before closing lets the client read
// our answer instead of a reset.
constexpr std::chrono::seconds kLingerTime{5};

constexpr std::string_view kInFlight = "http_requests_in_flight";
constexpr std::string_view kInFlightHelp = "HTTP requests being handled.";
constexpr std::string_view kDuration = "http_request_duration_seconds";
constexpr std::string_view kDurationHelp = "HTTP request latency by route, in seconds.";
constexpr std::string_view kRequests = "http_requests_total";
constexpr std::string_view kRequestsHelp = "HTTP requests answered, by method, route and status.";

std::string_view method_label(std::string_view method) {
    for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        if (method == known) return known;
    }
    return "OTHER";
}

// Beast 1.74 speaks boost::string_view.
std::string_view sv(beast::string_view text) { return {text.data(), text.size()}; }
beast::string_view bsv(std::string_view text) { return {text.data(), text.size()}; }

bool is_http_error(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

std::string describe(const tcp::endpoint& endpoint) {
    std::string address = endpoint.address().to_string();
    if (endpoint.address().is_v6()) address = "[" + address + "]";
    return address + ":" + std::to_string(endpoint.port());
}

}  // namespace

class Server::Impl {
public:
    class Session;

    Impl(ServerOptions options, Router router, std::vector<Middleware> middleware, Metrics* metrics)
        : options_(std::move(options)),
          router_(std::move(router)),
          middleware_(std::move(middleware)),
          metrics_(metrics),
          port_(options_.port) {
        // Declared up front so that a scrape shows the families before the first request ends.
        if (metrics_) {
            metrics_->declare(kRequests, kRequestsHelp, MetricType::counter);
            metrics_->declare(kDuration, kDurationHelp, MetricType::histogram);
            metrics_->gauge_add(kInFlight, kInFlightHelp, {}, 0);
        }
    }

    ~Impl() = default;

    void start();
    void stop();
    uint16_t port() const { return port_.load(); }
    std::size_t connections() const {
        std::lock_guard lock(sessions_mutex_);
        return sessions_.size();
    }

    /// Routes, runs middleware and the handler; never throws.
    Response handle(Request& request);
    void record(std::string_view method, std::string_view route, int status,
                std::chrono::steady_clock::time_point started);

    bool register_session(const std::shared_ptr<Session>& session);
    void unregister_session(Session* session);

    const ServerOptions& options() const { return options_; }
    bool stopping() const { return stopping_.load(); }

private:
    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);

    const ServerOptions options_;
    const Router router_;
    const std::vector<Middleware> middleware_;
    Metrics* const metrics_;
    std::atomic<uint16_t> port_;
    std::atomic<bool> stopping_{false};

    std::mutex lifecycle_mutex_;  // start() and stop()
    bool started_ = false;
    bool stopped_ = false;

    mutable std::mutex sessions_mutex_;
    std::condition_variable sessions_cv_;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;

    std::vector<std::thread> threads_;
    std::vector<std::thread::id> thread_ids_;

    // Declared last so it is destroyed first: destroying it destroys pending handlers, which
    // destroys sessions, which unregister themselves from the members above.
    asio::io_context ioc_;
    tcp::acceptor acceptor_{asio::make_strand(ioc_)};
    asio::steady_timer accept_retry_{acceptor_.get_executor()};
    // Keeps the threads running until stop() is done with them, even in a moment with no I/O pending
    // (after the acceptor closed, before a posted shutdown step ran).
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
};

// One connection: reads requests one at a time, answers each, until either side closes. All of its
// work runs on its own strand.
class Server::Impl::Session : public std::enable_shared_from_this<Session> {
public:
    Session(Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {
        beast::error_code ec;
        auto endpoint = stream_.socket().remote_endpoint(ec);
        if (!ec) remote_ = describe(endpoint);
    }

    ~Session() { server_.unregister_session(this); }

    asio::any_io_executor get_executor() { return stream_.get_executor(); }

    void start() {
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&Session::read_request, shared_from_this()));
    }

    /// Runs on the strand after stop() began: idle or reading connections close now; a request being
    /// answered closes once its response is written (on_write checks stopping()).
    void on_server_stop() {
        if (state_ == State::reading || state_ == State::draining) close();
    }

private:
    enum class State { reading, handling, writing, draining, closed };

    void read_request() {
        if (server_.stopping()) return close();
        state_ = State::reading;
        parser_.emplace();
        parser_->body_limit(server_.options().max_body_bytes);
        parser_->header_limit(static_cast<std::uint32_t>(server_.options().max_header_bytes));
        // One deadline for the whole request (and for an idle keep-alive connection before it).
        stream_.expires_after(server_.options().read_timeout);
        bhttp::async_read_header(stream_, buffer_, *parser_,
                                 beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        started_ = std::chrono::steady_clock::now();
        const auto& head = parser_->get();
        auto expect = sv(head[bhttp::field::expect]);
        if (iequals(expect, "100-continue") && !parser_->is_done()) {
            continue_.emplace(bhttp::status::continue_, 11);
            bhttp::async_write(stream_, *continue_,
                               beast::bind_front_handler(&Session::on_continue, shared_from_this()));
            return;
        }
        read_body();
    }

    void on_continue(beast::error_code ec, std::size_t) {
        if (ec) return close();
        read_body();
    }

    void read_body() {
        if (parser_->is_done()) return on_request();
        bhttp::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_body, shared_from_this()));
    }

    void on_body(beast::error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        on_request();
    }

    void on_read_error(const beast::error_code& ec) {
        if (ec == bhttp::error::body_limit) {
            return answer_and_close(413, "payload_too_large",
                                    "request body exceeds the limit of " +
                                        std::to_string(server_.options().max_body_bytes) + " bytes");
        }
        if (ec == bhttp::error::header_limit) {
            return answer_and_close(431, "header_too_large",
                                    "request head exceeds the limit of " +
                                        std::to_string(server_.options().max_header_bytes) + " bytes");
        }
        // A clean close between requests, a client that went away mid-request, a timeout or stop():
        // nobody to answer.
        if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || !is_http_error(ec)) {
            if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted) {
                spdlog::debug("http: connection from {} closed while reading: {}", remote_, ec.message());
            }
            return close();
        }
        answer_and_close(400, "bad_request", "malformed HTTP request: " + ec.message());
    }

    void answer_and_close(int status, std::string_view code, std::string message) {
        spdlog::debug("http: {} from {}: {}", status, remote_, message);
        std::string method = "OTHER";
        if (parser_ && parser_->is_header_done())
            method = std::string(method_label(sv(parser_->get().method_string())));
        server_.record(method, "unmatched", status, std::chrono::steady_clock::now());
        write(Response::error(status, code, message), false, "", true);
    }

    void on_request() {
        state_ = State::handling;
        auto message = parser_->release();
        parser_.reset();

        Request request;
        request.method = std::string(sv(message.method_string()));
        request.target = std::string(sv(message.target()));
        request.headers.reserve(std::distance(message.begin(), message.end()));
        for (const auto& field : message) {
            request.headers.emplace_back(sv(field.name_string()), sv(field.value()));
        }
        request.body = std::move(message.body());
        request.remote = remote_;
        bool keep_alive = message.keep_alive();

        Response response = server_.handle(request);
        write(std::move(response), keep_alive, request.method, false);
    }

    void write(Response response, bool keep_alive, std::string_view method, bool linger) {
        state_ = State::writing;
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(response.status));
        response_.reason(bsv(reason_phrase(response.status)));
        response_.set(bhttp::field::server, "courier");
        bool no_body = response.status == 204 || response.status == 304 || response.status / 100 == 1;
        if (!no_body && !response.content_type.empty())
            response_.set(bhttp::field::content_type, bsv(response.content_type));
        for (auto& [name, value] : response.headers) {
            // Framing is the server's business: a handler's copy could contradict it.
            if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
                iequals(name, "Connection")) {
                continue;
            }
            response_.insert(bsv(name), bsv(value));
        }
        keep_alive = keep_alive && !linger && !server_.stopping();
        response_.keep_alive(keep_alive);
        if (no_body) {
            response_.erase(bhttp::field::content_length);
        } else {
            std::size_t size = response.body.size();
            if (method != "HEAD") response_.body() = std::move(response.body);
            response_.content_length(size);
        }
        stream_.expires_after(server_.options().write_timeout);
        bhttp::async_write(
            stream_, response_,
            [self = shared_from_this(), keep_alive, linger](beast::error_code ec, std::size_t) {
                self->on_write(ec, keep_alive, linger);
            });
    }

    void on_write(beast::error_code ec, bool keep_alive, bool linger) {
        if (ec) {
            if (ec != asio::error::operation_aborted) {
                spdlog::debug("http: writing to {} failed: {}", remote_, ec.message());
            }
            return close();
        }
        if (linger && !server_.stopping()) return drain();
        if (!keep_alive || server_.stopping()) return close();
        read_request();
    }

    void drain() {
        state_ = State::draining;
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(kLingerTime);
        drain_more();
    }

    void drain_more() {
        stream_.async_read_some(asio::buffer(drain_buffer_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec) return self->close();
                                    self->drain_more();
                                });
    }

    void close() {
        if (state_ == State::closed) return;
        state_ = State::closed;
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    Impl& server_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::optional<bhttp::response<bhttp::empty_body>> continue_;
    bhttp::response<bhttp::string_body> response_;
    std::array<char, 16 * 1024> drain_buffer_{};
    std::string remote_;
    State state_ = State::reading;
    std::chrono::steady_clock::time_point started_;
};

void Server::Impl::start() {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (started_) throw std::logic_error("courier::http::Server::start() called twice");

    beast::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
        throw ConfigError("invalid HTTP listen address '" + options_.address + "': " + ec.message(),
                          "give an IP address such as 127.0.0.1 or 0.0.0.0");
    }
    if (options_.threads < 1) throw ConfigError("HTTP server threads must be at least 1");
    tcp::endpoint endpoint(address, options_.port);
    std::string where = describe(endpoint);

    auto fail = [&](std::string_view step) {
        std::string hint;
        if (ec == asio::error::address_in_use) {
            hint = "another process listens on port " + std::to_string(options_.port) +
                   "; stop it or choose another port";
        } else if (ec == asio::error::access_denied) {
            hint = "ports below 1024 need privileges; choose a higher port";
        } else if (ec == boost::system::errc::address_not_available) {
            hint = "the address is not one of this machine's; use 127.0.0.1 or 0.0.0.0";
        }
        beast::error_code ignored;
        acceptor_.close(ignored);
        throw CourierError(ErrorKind::permanent,
                           "cannot listen on " + where + " (" + std::string(step) + "): " + ec.message(),
                           hint);
    };
    if (acceptor_.open(endpoint.protocol(), ec)) fail("open");
    if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) fail("set SO_REUSEADDR");
    if (acceptor_.bind(endpoint, ec)) fail("bind");
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();

    started_ = true;
    work_.emplace(ioc_.get_executor());
    do_accept();
    for (int i = 0; i < options_.threads; ++i) {
        threads_.emplace_back([this] {
            for (;;) {
                try {
                    ioc_.run();
                    return;
                } catch (const std::exception& e) {
                    // Handlers catch their own exceptions; this is a bug, but serving goes on.
                    spdlog::error("http: unexpected exception in the server loop: {}", e.what());
                }
            }
        });
        thread_ids_.push_back(threads_.back().get_id());
    }
    spdlog::info("http: listening on {}", describe(tcp::endpoint(address, port_.load())));
}

void Server::Impl::do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), beast::bind_front_handler(&Impl::on_accept, this));
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) return;
    if (ec) {
        // E.g. out of file descriptors: pause instead of spinning.
        spdlog::warn("http: accept failed: {}; retrying in 100 ms", ec.message());
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([this](beast::error_code wait_ec) {
            if (!wait_ec && !stopping_) do_accept();
        });
        return;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket));
    if (register_session(session)) session->start();
    do_accept();
}

bool Server::Impl::register_session(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(sessions_mutex_);
    if (stopping_) return false;
    if (sessions_.size() >= options_.max_connections) {
        spdlog::warn("http: {} connections open (max_connections); closing a new one", sessions_.size());
        return false;
    }
    sessions_.emplace(session.get(), session);
    return true;
}

void Server::Impl::unregister_session(Session* session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
    sessions_cv_.notify_all();
}

void Server::Impl::stop() {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (!started_ || stopped_) return;
    if (std::find(thread_ids_.begin(), thread_ids_.end(), std::this_thread::get_id()) != thread_ids_.end()) {
        throw std::logic_error(
            "courier::http::Server::stop() called from one of its own threads (a handler?)");
    }
    stopped_ = true;

    std::vector<std::shared_ptr<Session>> open;
    {
        std::lock_guard lock(sessions_mutex_);
        stopping_ = true;
        for (auto& [raw, weak] : sessions_) {
            if (auto session = weak.lock()) open.push_back(std::move(session));
        }
    }
    asio::post(acceptor_.get_executor(), [this] {
        beast::error_code ignored;
        acceptor_.close(ignored);
        accept_retry_.cancel();
    });
    // Weak references: a session that ends on its own meanwhile must not be kept alive by this.
    for (auto& session : open) {
        auto executor = session->get_executor();
        asio::post(executor, [weak = std::weak_ptr<Session>(session)] {
            if (auto alive = weak.lock()) alive->on_server_stop();
        });
    }
    open.clear();

    {
        std::unique_lock lock(sessions_mutex_);
        bool drained =
            sessions_cv_.wait_for(lock, options_.shutdown_timeout, [this] { return sessions_.empty(); });
        if (!drained) {
            spdlog::warn("http: {} connection(s) still busy {} s after stop(); stopping anyway",
                         sessions_.size(), options_.shutdown_timeout.count());
        }
    }
    work_.reset();
    ioc_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    spdlog::info("http: stopped listening on port {}", port_.load());
}

Response Server::Impl::handle(Request& request) {
    auto started = std::chrono::steady_clock::now();
    if (metrics_) metrics_->gauge_add(kInFlight, kInFlightHelp, {}, 1);

    Response response;
    try {
        parse_target(request);
        Handler handler = router_.resolve(request);
        // Innermost: the handler, with its exceptions turned into responses so that middleware
        // (tracing, access logs) sees every final status.
        Handler next = [&handler](const Request& r) -> Response {
            try {
                return handler(r);
            } catch (const HttpError& e) {
                return e.to_response();
            } catch (const std::exception& e) {
                spdlog::error("http: handler for {} {} (route {}) failed: {}", r.method, r.target, r.route,
                              e.what());
                return Response::error(
                    500, "internal",
                    "internal error while handling " + r.method + " " + r.path + "; see the service log");
            } catch (...) {
                spdlog::error("http: handler for {} {} (route {}) threw a non-exception", r.method, r.target,
                              r.route);
                return Response::error(
                    500, "internal",
                    "internal error while handling " + r.method + " " + r.path + "; see the service log");
            }
        };
        for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) {
            next = [&middleware = *it, inner = std::move(next)](const Request& r) {
                return middleware(r, inner);
            };
        }
        response = next(request);
    } catch (const HttpError& e) {
        response = e.to_response();
    } catch (const std::exception& e) {
        spdlog::error("http: middleware for {} {} failed: {}", request.method, request.target, e.what());
        response = Response::error(
            500, "internal",
            "internal error while handling " + request.method + " " + request.path + "; see the service log");
    } catch (...) {
        spdlog::error("http: middleware for {} {} threw a non-exception", request.method, request.target);
        response = Response::error(500, "internal", "internal error; see the service log");
    }

    if (metrics_) metrics_->gauge_add(kInFlight, kInFlightHelp, {}, -1);
    record(method_label(request.method), request.route.empty() ? "unmatched" : request.route, response.status,
           started);
    return response;
}

void Server::Impl::record(std::string_view method, std::string_view route, int status,
                          std::chrono::steady_clock::time_point started) {
    if (!metrics_) return;
    try {
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        Labels labels{{"method", std::string(method)}, {"route", std::string(route)}};
        metrics_->histogram_observe(kDuration, kDurationHelp, labels, seconds);
        labels.emplace_back("status", std::to_string(status));
        metrics_->counter_add(kRequests, kRequestsHelp, labels);
    } catch (const std::exception& e) {
        spdlog::warn("http: recording request metrics failed: {}", e.what());
    }
}

Server::Server(ServerOptions options, Router router, std::vector<Middleware> middleware, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), std::move(middleware), metrics)) {}

Server::~Server() {
    try {
        impl_->stop();
    } catch (const std::exception& e) {
        spdlog::error("http: stopping the server in its destructor failed: {}", e.what());
    }
}

void Server::start() { impl_->start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::stop() { impl_->stop(); }
std::size_t Server::connections() const { return impl_->connections(); }

}  // namespace courier::http
