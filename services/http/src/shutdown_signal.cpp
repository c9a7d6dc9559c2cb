#include "courier/http/shutdown_signal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

namespace courier::http {

namespace {

// Process-wide state. The pipe's read end becomes readable on the first request and stays so (no
// one reads it), which wakes every waiter, now and later.
std::atomic<bool> g_requested{false};
std::atomic<int> g_signal{0};
int g_pipe[2] = {-1, -1};
std::once_flag g_once;

void notify() noexcept {
    char byte = 1;
    // Nonblocking; a full pipe already wakes everyone.
    [[maybe_unused]] ssize_t written = ::write(g_pipe[1], &byte, 1);
}

extern "C" void on_signal(int number) {
    int saved_errno = errno;
    if (g_requested.exchange(true)) {
        // Second signal: the shutdown is stuck or the user insists; die the default way.
        ::signal(number, SIG_DFL);
        ::raise(number);
    } else {
        g_signal.store(number);
        notify();
    }
    errno = saved_errno;
}

void install() {
    if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw std::runtime_error(std::string("ShutdownSignal: pipe2 failed: ") + std::strerror(errno));
    }
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int number : {SIGINT, SIGTERM}) {
        if (::sigaction(number, &action, nullptr) != 0) {
            throw std::runtime_error(std::string("ShutdownSignal: sigaction failed: ") +
                                     std::strerror(errno));
        }
    }
}

// Waits until the pipe is readable or `timeout_ms` passes (-1: forever).
bool wait_readable(int timeout_ms) {
    pollfd fd{g_pipe[0], POLLIN, 0};
    while (!g_requested.load()) {
        int result = ::poll(&fd, 1, timeout_ms);
        if (result > 0) return true;
        if (result == 0) return g_requested.load();
        if (errno != EINTR) return g_requested.load();
        // EINTR: our own handler may have run; loop re-checks (the timeout restarts: good enough
        // for a shutdown wait).
    }
    return true;
}

}  // namespace

ShutdownSignal::ShutdownSignal() { std::call_once(g_once, install); }

void ShutdownSignal::wait() const { wait_readable(-1); }

bool ShutdownSignal::wait_for(std::chrono::milliseconds timeout) const {
    return wait_readable(static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, timeout.count())));
}

bool ShutdownSignal::requested() const noexcept { return g_requested.load(); }

void ShutdownSignal::request() noexcept {
    if (!g_requested.exchange(true)) notify();
}

int ShutdownSignal::signal_number() const noexcept { return g_signal.load(); }

}  // namespace courier::http
