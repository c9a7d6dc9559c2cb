#include "courier/tracing/otlp_http_exporter.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>

#include "beast.hpp"  // first: it includes <utility> before Asio
#include "courier/core/errors.hpp"
#include "courier/tracing/otlp_json.hpp"

namespace courier::tracing {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Steady = std::chrono::steady_clock;

struct Url {
    std::string host;
    std::string port;
    std::string target;
};

Url parse_url(const std::string& url) {
    auto fail = [&](std::string why) -> Url {
        throw ConfigError(
            "invalid OTLP traces endpoint '" + url + "': " + why,
            "use http://host:port/v1/traces (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or http://host:port "
            "(OTEL_EXPORTER_OTLP_ENDPOINT)");
    };
    std::string_view rest(url);
    if (rest.starts_with("https://")) return fail("https is not supported by courier's exporter; use http");
    if (!rest.starts_with("http://")) return fail("it must start with http://");
    rest.remove_prefix(7);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    Url out;
    out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.empty()) return fail("no host");
    if (authority.find('@') != std::string_view::npos) return fail("user info is not supported");
    std::string_view host = authority, port = "80";
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return fail("unclosed '[' in an IPv6 address");
        host = authority.substr(1, close - 1);
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return fail("unexpected text after the IPv6 address");
            port = after.substr(1);
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    unsigned value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
        return fail("bad port '" + std::string(port) + "'");
    }
    if (host.empty()) return fail("no host");
    out.host = host;
    out.port = port;
    return out;
}

bool retryable(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

}  // namespace

struct OtlpHttpExporter::Impl {
    OtlpHttpExporterOptions options;
    Url url;
    std::string host_header;

    net::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    std::string body;  // reused between batches
    std::mt19937 random{std::random_device{}()};

    mutable std::mutex mutex;
    std::condition_variable shutdown_requested;
    std::optional<Steady::time_point> shutdown_deadline;

    std::atomic<uint64_t> requests{0}, retries{0}, batches_ok{0}, batches_failed{0};
    std::atomic<int> last_status{0};

    std::optional<Steady::time_point> deadline_for_shutdown() const {
        std::lock_guard lock(mutex);
        return shutdown_deadline;
    }

    void run_io() {
        io.restart();
        io.run();
    }

    void close() {
        if (!stream) return;
        beast::error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.reset();
        buffer.clear();
    }

    // One POST; returns the HTTP status, or 0 with `error` set when the connection failed.
    int post(const std::string& body, Steady::time_point deadline, std::string& error,
             std::optional<std::chrono::milliseconds>& retry_after, std::string& response_body) {
        auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
        if (budget <= std::chrono::milliseconds(0)) {
            error = "no time left before the shutdown deadline";
            return 0;
        }
        beast::error_code ec;
        if (!stream) {
            tcp::resolver resolver(io);
            tcp::resolver::results_type endpoints;
            resolver.async_resolve(url.host, url.port,
                                   [&](beast::error_code e, tcp::resolver::results_type r) {
                                       ec = e;
                                       endpoints = std::move(r);
                                   });
            run_io();
            if (ec) {
                error = "cannot resolve " + url.host + ": " + ec.message();
                return 0;
            }
            stream.emplace(io);
            stream->expires_after(budget);
            stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
            run_io();
            if (ec) {
                error = "cannot connect to " + url.host + ":" + url.port + ": " + ec.message();
                close();
                return 0;
            }
        }

        // span_body: Beast sends the encoded batch from where it is, without copying it.
        http::request<http::span_body<const char>> request{http::verb::post, url.target, 11};
        request.set(http::field::host, host_header);
        request.set(http::field::content_type, "application/json");
        request.set(http::field::user_agent, "courier-otlp/0.1");
        for (const auto& [name, value] : options.headers) request.set(name, value);
        request.keep_alive(true);
        request.body() = http::span_body<const char>::value_type(body.data(), body.size());
        request.prepare_payload();

        stream->expires_after(budget);
        http::async_write(*stream, request, [&](beast::error_code e, std::size_t) { ec = e; });
        run_io();
        if (ec) {
            error = "sending to " + options.endpoint + " failed: " + ec.message();
            close();
            return 0;
        }
        http::response<http::string_body> response;
        http::async_read(*stream, buffer, response, [&](beast::error_code e, std::size_t) { ec = e; });
        run_io();
        if (ec) {
            error = "no response from " + options.endpoint + ": " + ec.message();
            close();
            return 0;
        }
        if (!response.keep_alive()) close();
        retry_after.reset();
        if (auto header = response.find(http::field::retry_after); header != response.end()) {
            unsigned seconds = 0;
            auto value = header->value();
            auto [end, parse_error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (parse_error == std::errc() && end == value.data() + value.size()) {
                retry_after = std::chrono::seconds(seconds);
            }
        }
        response_body = std::move(response.body());
        return static_cast<int>(response.result_int());
    }

    // Waits before the next try; false when shutdown's deadline comes first.
    bool back_off(std::chrono::milliseconds delay) {
        auto wake_at = Steady::now() + delay;
        std::unique_lock lock(mutex);
        shutdown_requested.wait_until(lock, wake_at,
                                      [&] { return shutdown_deadline && *shutdown_deadline < wake_at; });
        return !(shutdown_deadline && *shutdown_deadline < wake_at);
    }

    ExportResult send(const std::string& body) {
        auto backoff = options.initial_backoff;
        std::string last_error;
        for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
            auto deadline = Steady::now() + options.timeout;
            if (auto shutdown = deadline_for_shutdown()) deadline = std::min(deadline, *shutdown);
            std::string error, response_body;
            std::optional<std::chrono::milliseconds> retry_after;
            bool reused = stream.has_value();
            requests.fetch_add(1, std::memory_order_relaxed);
            int status = post(body, deadline, error, retry_after, response_body);
            if (status == 0 && reused && Steady::now() < deadline) {
                // The server may have closed an idle kept-alive connection: that is not a failed try.
                requests.fetch_add(1, std::memory_order_relaxed);
                status = post(body, deadline, error, retry_after, response_body);
            }
            last_status.store(status, std::memory_order_relaxed);
            if (status >= 200 && status < 300) {
                batches_ok.fetch_add(1, std::memory_order_relaxed);
                if (response_body.find("rejectedSpans") != std::string::npos) {
                    spdlog::warn("tracing: {} accepted the batch partially: {}", options.endpoint,
                                 response_body.substr(0, 300));
                }
                return ExportResult::success;
            }
            if (status != 0 && !retryable(status)) {
                batches_failed.fetch_add(1, std::memory_order_relaxed);
                spdlog::error("tracing: {} refused a batch with HTTP {} (not retried): {}", options.endpoint,
                              status, response_body.substr(0, 300));
                return ExportResult::failure;
            }
            last_error = status != 0 ? "HTTP " + std::to_string(status) : error;
            if (attempt == options.max_attempts) break;
            auto delay = retry_after ? std::min(*retry_after, options.max_backoff) : jitter(backoff);
            backoff = std::min(backoff * 2, options.max_backoff);
            if (!back_off(delay)) {
                last_error += " (no retry: shutting down)";
                break;
            }
            retries.fetch_add(1, std::memory_order_relaxed);
        }
        batches_failed.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("tracing: exporting a batch to {} failed: {}; its spans are lost", options.endpoint,
                     last_error);
        return ExportResult::failure;
    }

    std::chrono::milliseconds jitter(std::chrono::milliseconds base) {
        std::uniform_real_distribution<double> factor(0.8, 1.2);
        return std::chrono::milliseconds(
            static_cast<int64_t>(static_cast<double>(base.count()) * factor(random)));
    }
};

OtlpHttpExporter::OtlpHttpExporter(OtlpHttpExporterOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->url = parse_url(options.endpoint);
    impl_->host_header = impl_->url.port == "80" ? impl_->url.host : impl_->url.host + ":" + impl_->url.port;
    if (impl_->url.host.find(':') != std::string::npos) {
        impl_->host_header = "[" + impl_->url.host + "]:" + impl_->url.port;
    }
    if (options.max_attempts < 1) options.max_attempts = 1;
    impl_->options = std::move(options);
}

OtlpHttpExporter::~OtlpHttpExporter() { impl_->close(); }

ExportResult OtlpHttpExporter::export_spans(std::span<const SpanData> spans, const Resource& resource) {
    if (spans.empty()) return ExportResult::success;
    encode_otlp_json(spans, resource, impl_->body);
    return impl_->send(impl_->body);
}

ExportResult OtlpHttpExporter::send(const std::string& body) { return impl_->send(body); }

void OtlpHttpExporter::shutdown(std::chrono::steady_clock::time_point deadline) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->shutdown_deadline = deadline;
    }
    impl_->shutdown_requested.notify_all();
}

OtlpExporterStats OtlpHttpExporter::stats() const {
    const auto& s = *impl_;
    return {s.requests.load(), s.retries.load(), s.batches_ok.load(), s.batches_failed.load(),
            s.last_status.load()};
}

}  // namespace courier::tracing
