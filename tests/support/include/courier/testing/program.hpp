#pragma once
// Running a program the build made (the `courier` CLI, a service) as a user would, and keeping
// what it printed: for tests that check a command's exit status and output.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace courier::testing {

struct ProgramRun {
    int code = -1;           ///< the exit status; -N when signal N ended it
    std::string out, err;    ///< everything it wrote to stdout and to stderr
    bool timed_out = false;  ///< it ran past the timeout and was killed (SIGKILL)
};

/// Runs `program` with `args` (no shell: each argument is passed as is) and the test's
/// environment, stdin closed, and waits for it to exit — at most `timeout`, then kills it.
/// Blocks the calling thread; safe to call from several threads. Throws std::runtime_error when
/// the program cannot be started (missing, not executable).
ProgramRun run_program(const std::filesystem::path& program, const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout = std::chrono::minutes(2));

}  // namespace courier::testing
