#pragma once
// The progress of one `courier replay` run, saved so an interrupted replay resumes without
// copying any message twice (DESIGN.md §11).
//
// What makes that hold: the replay writes a checkpoint only when every copy it published has
// been acknowledged, so `next` is exact; copies published after the last checkpoint (a crash,
// kill -9) are in the target after `target_ends` and carry this replay's id and their source
// position in headers, so the resumed replay scans that tail and skips what it finds there.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "courier/broker/kafka/range_reader.hpp"

namespace courier::cli {

struct ReplayCheckpoint {
    std::string replay_id;    ///< courier-replay-id of every copy; kept on resume
    std::string fingerprint;  ///< source, target, bounds and filters as given; a resume must match
    std::string source;
    std::string target;
    /// The source ranges as resolved when the replay began (time bounds like "2h" are not
    /// resolved again on resume, and messages written since are not added).
    std::vector<broker::kafka::PartitionRange> ranges;
    /// Per source partition: every offset below this one is done (copied and acknowledged, or
    /// filtered out).
    std::map<int32_t, int64_t> next;
    /// Per source partition: offsets at or after `next` already copied (found in the target
    /// while resuming, and not yet passed).
    std::map<int32_t, std::vector<int64_t>> copied_ahead;
    /// Per target partition: its end offset when the checkpoint was written. Copies after it
    /// may exist that `next` does not account for.
    std::map<int32_t, int64_t> target_ends;
    uint64_t copied = 0;
    uint64_t filtered = 0;
    bool complete = false;

    /// Reads `path`. Empty when the file does not exist; throws ConfigError when it cannot be
    /// read or is not a checkpoint.
    static std::optional<ReplayCheckpoint> load(const std::string& path);
    /// Writes `path` atomically (a temporary file, fsync, rename), so a crash leaves the old
    /// checkpoint or the new one. Throws CourierError naming the path.
    void save(const std::string& path) const;
};

}  // namespace courier::cli
