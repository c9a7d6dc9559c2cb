#include "courier/testing/ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace courier::testing {

namespace {

// Binds 127.0.0.1:port (0: any) and closes the socket; the port bound, or 0 when it was taken.
uint16_t bind_and_release(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    socklen_t length = sizeof address;
    uint16_t bound = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        bound = ntohs(address.sin_port);
    }
    ::close(fd);
    return bound;
}

}  // namespace

uint16_t free_port_block(int count) {
    if (count < 1) throw std::invalid_argument("free_port_block: count must be 1 or more");
    for (int attempt = 0; attempt < 50; ++attempt) {
        // The kernel's choice of one free port is the candidate start of the block.
        const uint16_t base = bind_and_release(0);
        if (base == 0 || base > 60000) continue;
        bool all_free = true;
        for (int i = 0; i < count && all_free; ++i)
            all_free = bind_and_release(static_cast<uint16_t>(base + i)) != 0;
        if (all_free) return base;
    }
    throw std::runtime_error("no " + std::to_string(count) +
                             " consecutive free TCP ports on 127.0.0.1 after 50 tries");
}

}  // namespace courier::testing
