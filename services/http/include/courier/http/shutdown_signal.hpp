#pragma once
// SIGINT/SIGTERM -> graceful shutdown, for each service's main().

#include <chrono>

namespace courier::http {

/// A process-wide shutdown request. Constructing one installs handlers for SIGINT and SIGTERM
/// (idempotent; every instance shares the same state). The first signal sets the request; a second
/// one while a request is pending restores the default action and re-raises it, so a stuck
/// shutdown can still be interrupted with a second Ctrl-C. Thread-safe; the signal handler only
/// does async-signal-safe work.
class ShutdownSignal {
public:
    ShutdownSignal();

    /// Blocks until a shutdown is requested (returns at once if it already was). Any number of
    /// threads may wait.
    void wait() const;
    /// wait() with a bound; true if a shutdown was requested.
    bool wait_for(std::chrono::milliseconds timeout) const;
    bool requested() const noexcept;
    /// Requests the shutdown from code (e.g. a fatal error in a background loop).
    void request() noexcept;
    /// The signal that requested it (SIGINT, SIGTERM), 0 if request() did or nothing did yet.
    int signal_number() const noexcept;
};

}  // namespace courier::http
