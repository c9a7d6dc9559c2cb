#include "wakeup.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace courier::outbox::detail {

Wakeup::Wakeup() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd for the outbox relay");
}

Wakeup::~Wakeup() { ::close(fd_); }

void Wakeup::signal() noexcept {
    const uint64_t one = 1;
    // EAGAIN only when the counter is saturated, which still leaves it readable.
    [[maybe_unused]] auto written = ::write(fd_, &one, sizeof one);
}

void Wakeup::drain() noexcept {
    uint64_t value = 0;
    [[maybe_unused]] auto read = ::read(fd_, &value, sizeof value);
}

}  // namespace courier::outbox::detail
