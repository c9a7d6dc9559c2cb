#pragma once
// Plain POSIX sockets for tests that must send what no HTTP client would (malformed requests, a
// silent listener), and a deadline-bounded wait. No Beast here: fast to compile.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace courier::http::testing {

/// A blocking TCP connection to 127.0.0.1:port with a receive timeout.
class RawConnection {
public:
    explicit RawConnection(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    void send(std::string_view bytes);
    /// Reads until `marker` has arrived (returns everything read so far), the peer closes or the
    /// timeout passes.
    std::string read_until(std::string_view marker);
    /// Reads until the peer closes or the timeout passes.
    std::string read_all();
    /// True if the peer closed (EOF or reset) within the timeout.
    bool closed_by_peer();

private:
    int fd_ = -1;
    std::string pending_;
};

/// A socket listening on 127.0.0.1 that never accepts or answers: connections complete (the kernel
/// does the handshake) and then hang.
class SilentListener {
public:
    SilentListener();
    ~SilentListener();
    uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns its last
/// value.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace courier::http::testing
