#pragma once
// A file descriptor that becomes readable when signalled, so the relay waits in one poll() for
// a notification on its database socket, an acknowledged batch, or a stop request.

namespace courier::outbox::detail {

/// An eventfd. signal() is thread-safe and async-signal-safe; drain() belongs to the waiter.
class Wakeup {
public:
    /// Throws std::system_error when the kernel refuses an eventfd.
    Wakeup();
    Wakeup(const Wakeup&) = delete;
    Wakeup& operator=(const Wakeup&) = delete;
    ~Wakeup();

    void signal() noexcept;
    /// Resets the readable state.
    void drain() noexcept;
    int fd() const noexcept { return fd_; }

private:
    int fd_;
};

}  // namespace courier::outbox::detail
