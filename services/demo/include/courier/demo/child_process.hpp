#pragma once
// A child process with its environment and a log file, stopped (SIGTERM, then SIGKILL) when the
// handle goes away: the services `courier demo` and the e2e tests start.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace courier::demo {

class ChildProcess {
public:
    /// Starts `program` with `args` and the current environment plus `env` (overriding), stdout
    /// and stderr appended to `log`. Throws CourierError naming the program when it cannot start.
    ChildProcess(std::filesystem::path program, std::vector<std::string> args,
                 std::vector<std::pair<std::string, std::string>> env, std::filesystem::path log);
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&&) = delete;
    ChildProcess(const ChildProcess&) = delete;

    pid_t pid() const noexcept { return pid_; }
    /// True while it has not exited (reaps it when it has).
    bool running();
    /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (-signal when killed).
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(15));
    /// SIGKILL now (fault tests), and reap it.
    void kill();
    const std::filesystem::path& log() const noexcept { return log_; }
    /// The last `lines` lines of the log, for error messages.
    std::string log_tail(std::size_t lines = 20) const;

private:
    pid_t pid_ = -1;
    int status_ = 0;
    std::string name_;
    std::filesystem::path log_;
};

}  // namespace courier::demo
