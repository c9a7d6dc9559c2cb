#include "http_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace courier::tracing::testing {

namespace {

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// Reads until `buffer` holds a full request or response head and body (Content-Length only).
// Returns false on EOF, error or timeout.
bool read_message(int fd, std::string& buffer, std::string& head, std::string& body, int timeout_ms) {
    while (true) {
        auto end = buffer.find("\r\n\r\n");
        if (end != std::string::npos) {
            head = buffer.substr(0, end);
            std::size_t length = 0;
            auto lowered = lower(head);
            if (auto at = lowered.find("content-length:"); at != std::string::npos) {
                length = std::stoul(lowered.substr(at + 15));
            }
            if (buffer.size() >= end + 4 + length) {
                body = buffer.substr(end + 4, length);
                buffer.erase(0, end + 4 + length);
                return true;
            }
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        char chunk[65536];
        auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
}

bool send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

HttpTestServer::HttpTestServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket() failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
        ::close(listen_fd_);
        throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t size = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
}

HttpTestServer::~HttpTestServer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    thread_.join();
    ::close(listen_fd_);
}

std::string HttpTestServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpTestServer::script(std::vector<int> statuses) {
    std::lock_guard lock(mutex_);
    statuses_.assign(statuses.begin(), statuses.end());
}

void HttpTestServer::set_retry_after(int seconds) {
    std::lock_guard lock(mutex_);
    retry_after_ = seconds;
}

void HttpTestServer::set_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
}

std::vector<RecordedRequest> HttpTestServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t HttpTestServer::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
    return requests_.size();
}

void HttpTestServer::serve() {
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) continue;
        handle(fd);
        ::close(fd);
    }
}

void HttpTestServer::handle(int fd) {
    std::string buffer, head, body;
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        if (!read_message(fd, buffer, head, body, 100)) {
            if (buffer.empty()) {
                // Idle keep-alive connection: keep waiting unless the peer closed it.
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, 0) > 0) {
                    char probe;
                    if (::recv(fd, &probe, 1, MSG_PEEK) <= 0) return;
                }
                continue;
            }
            return;
        }
        RecordedRequest request;
        auto line_end = head.find("\r\n");
        auto first = head.substr(0, line_end);
        auto space1 = first.find(' ');
        auto space2 = first.find(' ', space1 + 1);
        request.method = first.substr(0, space1);
        request.target = first.substr(space1 + 1, space2 - space1 - 1);
        std::size_t at = line_end == std::string::npos ? head.size() : line_end + 2;
        while (at < head.size()) {
            auto next = head.find("\r\n", at);
            auto line = head.substr(at, next == std::string::npos ? std::string::npos : next - at);
            if (auto colon = line.find(':'); colon != std::string::npos) {
                auto value = line.substr(colon + 1);
                value.erase(0, value.find_first_not_of(' '));
                request.headers[lower(line.substr(0, colon))] = value;
            }
            at = next == std::string::npos ? head.size() : next + 2;
        }
        request.body = body;

        int status = 200;
        int retry_after;
        std::chrono::milliseconds delay;
        {
            std::lock_guard lock(mutex_);
            if (!statuses_.empty()) {
                status = statuses_.front();
                statuses_.pop_front();
            }
            retry_after = retry_after_;
            delay = delay_;
            requests_.push_back(request);
        }
        arrived_.notify_all();
        if (delay.count() > 0) std::this_thread::sleep_for(delay);
        std::string answer = status == 200 ? "{}" : "{\"code\":" + std::to_string(status) + "}";
        std::string response =
            "HTTP/1.1 " + std::to_string(status) + " Scripted\r\nContent-Type: application/json\r\n";
        if (status != 200 && retry_after >= 0)
            response += "Retry-After: " + std::to_string(retry_after) + "\r\n";
        response += "Content-Length: " + std::to_string(answer.size()) + "\r\n\r\n" + answer;
        if (!send_all(fd, response)) return;
    }
}

HttpResponse http_get(const std::string& host, int port, const std::string& path,
                      std::chrono::milliseconds timeout) {
    HttpResponse out;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
        ::close(fd);
        out.error = "host must be an IPv4 address: " + host;
        return out;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        out.error = "cannot connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd);
        return out;
    }
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                          "\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
    if (!send_all(fd, request)) {
        out.error = "send failed";
        ::close(fd);
        return out;
    }
    // Connection: close — read to EOF, then split head and body (no chunked support needed:
    // reject it loudly if a server uses it).
    std::string data;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            out.error = "timed out";
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char chunk[65536];
        auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        data.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fd);
    auto end = data.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (out.error.empty()) out.error = "no HTTP response";
        return out;
    }
    auto head = data.substr(0, end);
    out.status = std::stoi(head.substr(head.find(' ') + 1, 3));
    out.body = data.substr(end + 4);
    if (lower(head).find("transfer-encoding: chunked") != std::string::npos) {
        // De-chunk: size line, data, CRLF, ... 0.
        std::string plain;
        std::size_t at = 0;
        while (at < out.body.size()) {
            auto line_end = out.body.find("\r\n", at);
            if (line_end == std::string::npos) break;
            auto size = std::stoul(out.body.substr(at, line_end - at), nullptr, 16);
            if (size == 0) break;
            plain += out.body.substr(line_end + 2, size);
            at = line_end + 2 + size + 2;
        }
        out.body = std::move(plain);
    }
    return out;
}

}  // namespace courier::tracing::testing
