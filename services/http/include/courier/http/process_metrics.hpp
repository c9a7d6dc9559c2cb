#pragma once
// The process_* families every Prometheus client library exports, read from /proc/self (Linux).

#include "courier/http/metrics.hpp"

namespace courier::http {

/// One reading of this process's resources.
struct ProcessStats {
    double cpu_seconds = 0;         ///< user + system CPU time
    double resident_bytes = 0;      ///< resident set size
    double virtual_bytes = 0;       ///< virtual memory size
    double open_fds = 0;            ///< entries in /proc/self/fd
    double start_time_seconds = 0;  ///< since the Unix epoch
};

/// Reads /proc/self/stat, /proc/stat and /proc/self/fd. Throws std::runtime_error naming the file
/// when one cannot be read or parsed (e.g. no /proc mounted). Thread-safe; does not block on
/// anything but the proc file system.
ProcessStats read_process_stats();

/// Registers process_cpu_seconds_total (counter), process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds and process_start_time_seconds (gauges) as
/// callbacks read at scrape time. The start time is read once, here.
void add_process_metrics(Metrics& metrics);

}  // namespace courier::http
