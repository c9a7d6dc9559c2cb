#include "courier/http/client.hpp"

#include <charconv>
#include <optional>

#include "beast.hpp"
#include "courier/core/errors.hpp"
#include "courier/http/request.hpp"

namespace courier::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string_view sv(beast::string_view text) { return {text.data(), text.size()}; }
beast::string_view bsv(std::string_view text) { return {text.data(), text.size()}; }

// The server closed a kept-alive connection (idle timeout, restart) before we sent: worth one retry.
bool closed_by_peer(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted;
}

constexpr std::uint64_t kMaxResponseBody = 256ull * 1024 * 1024;

}  // namespace

class Client::Impl {
public:
    Impl(std::string host, uint16_t port, std::chrono::milliseconds timeout)
        : host_(std::move(host)), port_(port), timeout_(timeout) {}

    Response request(std::string_view method, std::string_view target, std::string_view body,
                     std::string_view content_type) {
        bhttp::request<bhttp::string_body> message;
        message.version(11);
        message.method_string(bsv(method));
        message.target(bsv(target));
        message.set(bhttp::field::host, host_header());
        message.set(bhttp::field::user_agent, "courier-http-client");
        if (!body.empty()) {
            if (!content_type.empty()) message.set(bhttp::field::content_type, bsv(content_type));
            message.body() = std::string(body);
        }
        message.prepare_payload();
        message.keep_alive(true);

        for (int attempt = 0;; ++attempt) {
            bool reused = stream_.has_value();
            beast::error_code ec;
            if (!reused) connect(method, target);
            stream_->expires_after(timeout_);

            bhttp::async_write(*stream_, message, [&](beast::error_code e, std::size_t) { ec = e; });
            run();
            bhttp::response_parser<bhttp::string_body> parser;
            parser.body_limit(kMaxResponseBody);
            if (!ec) {
                bhttp::async_read(*stream_, buffer_, parser,
                                  [&](beast::error_code e, std::size_t) { ec = e; });
                run();
            }
            if (ec) {
                close();
                if (reused && attempt == 0 && closed_by_peer(ec) && !parser.got_some()) continue;
                throw failure(method, target, ec == beast::error::timeout ? "timed out" : ec.message());
            }

            auto& received = parser.get();
            Response response;
            response.status = static_cast<int>(received.result_int());
            response.content_type.clear();
            for (const auto& field : received) {
                if (field.name() == bhttp::field::content_type && response.content_type.empty()) {
                    response.content_type = std::string(sv(field.value()));
                }
                response.headers.emplace_back(sv(field.name_string()), sv(field.value()));
            }
            response.body = std::move(received.body());
            if (!received.keep_alive()) close();
            return response;
        }
    }

    void close() {
        if (!stream_) return;
        beast::error_code ignored;
        stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_->close();
        stream_.reset();
        buffer_.clear();
        // Handlers of cancelled operations (none should be pending) must not outlive the stream.
        run();
    }

    const std::string& host() const { return host_; }
    uint16_t port() const { return port_; }
    std::size_t opened() const { return opened_; }

private:
    std::string host_header() const {
        bool v6 = host_.find(':') != std::string::npos;
        return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
    }

    std::string where() const { return "http://" + host_header(); }

    CourierError failure(std::string_view method, std::string_view target, const std::string& reason) const {
        return CourierError(ErrorKind::transient,
                            std::string(method) + " " + where() + std::string(target) + " failed: " + reason,
                            "is the service running and listening on " + host_header() + "?");
    }

    void connect(std::string_view method, std::string_view target) {
        tcp::resolver resolver(ioc_);
        beast::error_code ec;
        auto endpoints = resolver.resolve(host_, std::to_string(port_), ec);
        if (ec) throw failure(method, target, "cannot resolve " + host_ + ": " + ec.message());
        stream_.emplace(ioc_);
        buffer_.clear();
        stream_->expires_after(timeout_);
        stream_->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
        run();
        if (ec) {
            close();
            throw failure(
                method, target,
                "cannot connect: " + (ec == beast::error::timeout ? std::string("timed out") : ec.message()));
        }
        stream_->socket().set_option(tcp::no_delay(true), ec);
        ++opened_;
    }

    // Runs the pending operation to completion; tcp_stream's expiry bounds it.
    void run() {
        ioc_.restart();
        ioc_.run();
    }

    std::string host_;
    uint16_t port_;
    std::chrono::milliseconds timeout_;
    std::size_t opened_ = 0;
    asio::io_context ioc_;
    std::optional<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
};

Client::Client(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Response Client::request(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view content_type) {
    return impl_->request(method, target, body, content_type);
}

void Client::close() { impl_->close(); }
const std::string& Client::host() const noexcept { return impl_->host(); }
uint16_t Client::port() const noexcept { return impl_->port(); }
std::size_t Client::connections_opened() const noexcept { return impl_->opened(); }

std::pair<std::string, uint16_t> parse_http_url(std::string_view url) {
    auto bad = [&](std::string_view why) {
        return ConfigError("invalid HTTP URL '" + std::string(url) + "': " + std::string(why),
                           "expected http://host:port, e.g. http://127.0.0.1:8081");
    };
    std::string_view rest = url;
    if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
        if (!iequals(rest.substr(0, scheme), "http")) throw bad("only http:// is supported");
        rest.remove_prefix(scheme + 3);
    }
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (rest.find('@') != std::string_view::npos) throw bad("user information is not supported");

    std::string_view host;
    std::string_view port_text;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos) throw bad("unterminated '[' in the host");
        host = rest.substr(1, close - 1);
        std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') throw bad("expected ':' after ']'");
            port_text = after.substr(1);
            if (port_text.empty()) throw bad("empty port");
        }
    } else {
        auto colon = rest.find(':');
        host = rest.substr(0, colon);
        if (colon != std::string_view::npos) {
            port_text = rest.substr(colon + 1);
            if (port_text.empty()) throw bad("empty port");
        }
    }
    if (host.empty()) throw bad("empty host");
    uint16_t port = 80;
    if (!port_text.empty()) {
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
            throw bad("port must be a number from 1 to 65535");
        }
        port = static_cast<uint16_t>(value);
    }
    return {std::string(host), port};
}

}  // namespace courier::http
