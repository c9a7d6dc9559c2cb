#pragma once
// The `courier` subcommands as library functions, so tests run them in-process. Each takes
// its arguments (without the program and command names), reads and writes only the given
// streams, and returns the process exit code: 0 success, 1 failure, 2 usage error.

#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

namespace courier::cli {

struct CommandIo {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    /// Set (e.g. by SIGINT/SIGTERM) to ask a long-running command to finish cleanly.
    const std::atomic<bool>* stop = nullptr;
};

int run_produce(const std::vector<std::string>& args, CommandIo io);
int run_consume(const std::vector<std::string>& args, CommandIo io);
int run_topics(const std::vector<std::string>& args, CommandIo io);
/// `courier dlq list|show|redrive`: dead-letter topics.
int run_dlq(const std::vector<std::string>& args, CommandIo io);
/// `courier schema list|validate|check`: the event catalog (courier::schemas).
int run_schema(const std::vector<std::string>& args, CommandIo io);
/// `courier saga list|show`: saga instances and their history (courier::saga).
int run_saga(const std::vector<std::string>& args, CommandIo io);
/// `courier demo`: the demo store on one machine (courier::demo).
int run_demo(const std::vector<std::string>& args, CommandIo io);
/// `courier replay`: copy a range of a topic (by offsets or time, filtered) to a target topic,
/// rate-limited and resumable from a checkpoint file. Stops cleanly when `io.stop` is set.
int run_replay(const std::vector<std::string>& args, CommandIo io);
/// `courier groups list|describe|reset-offsets`: consumer groups, their lag, and offset resets.
int run_groups(const std::vector<std::string>& args, CommandIo io);

}  // namespace courier::cli
