#pragma once
// A Kafka broker of the test's own (scripts/kafka on free ports, in a temporary run dir), so a
// test may stop and restart it without touching the broker other tests share.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace courier::outbox::testing {

class PrivateKafka {
public:
    /// Starts the broker (blocks until it answers metadata, up to scripts/kafka's timeout).
    /// Throws std::runtime_error when it cannot.
    PrivateKafka() {
        char pattern[] = "/tmp/courier-outbox-kafka-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
        run_dir_ = pattern;
        port_ = free_port();
        controller_port_ = free_port();
        while (controller_port_ == port_) controller_port_ = free_port();
        start();
    }
    PrivateKafka(const PrivateKafka&) = delete;
    PrivateKafka& operator=(const PrivateKafka&) = delete;
    /// Stops the broker and deletes its data.
    ~PrivateKafka() {
        (void)script("wipe");
        std::error_code ignored;
        std::filesystem::remove_all(run_dir_, ignored);
    }

    void start() {
        if (script("start") != 0)
            throw std::runtime_error("scripts/kafka start failed on port " + std::to_string(port_));
    }
    /// SIGTERM and wait: a clean stop that keeps the data.
    void stop() {
        if (script("stop") != 0)
            throw std::runtime_error("scripts/kafka stop failed on port " + std::to_string(port_));
    }
    std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    static int free_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t length = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            if (fd >= 0) ::close(fd);
            throw std::runtime_error("cannot find a free port");
        }
        ::close(fd);
        return ntohs(address.sin_port);
    }

    int script(const std::string& command) const {
        const std::string line =
            "COURIER_RUN_DIR='" + run_dir_.string() + "' COURIER_KAFKA_PORT=" + std::to_string(port_) +
            " COURIER_KAFKA_CONTROLLER_PORT=" + std::to_string(controller_port_) +
            " COURIER_KAFKA_STOP_TIMEOUT=60 bash '" COURIER_SOURCE_DIR "/scripts/kafka' " + command + " >&2";
        return std::system(line.c_str());
    }

    std::filesystem::path run_dir_;
    int port_ = 0;
    int controller_port_ = 0;
};

}  // namespace courier::outbox::testing
