#include "courier/http/process_metrics.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace courier::http {

namespace {

std::string read_file(const char* path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(std::string("cannot read ") + path + " (is /proc mounted?)");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The fields of /proc/self/stat after the command name, which is in parentheses and may itself
// contain spaces and parentheses: fields[0] is the state (field 3 in proc(5)).
std::vector<std::string> stat_fields() {
    const std::string stat = read_file("/proc/self/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) throw std::runtime_error("cannot parse /proc/self/stat: no ')'");
    std::istringstream in(stat.substr(close + 1));
    std::vector<std::string> fields;
    for (std::string field; in >> field;) fields.push_back(std::move(field));
    if (fields.size() < 22) throw std::runtime_error("cannot parse /proc/self/stat: too few fields");
    return fields;
}

double boot_time_seconds() {
    std::istringstream in(read_file("/proc/stat"));
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
    }
    throw std::runtime_error("cannot parse /proc/stat: no btime line");
}

double number(const std::string& field) {
    try {
        return std::stod(field);
    } catch (const std::exception&) {
        throw std::runtime_error("cannot parse /proc/self/stat: '" + field + "' is not a number");
    }
}

}  // namespace

ProcessStats read_process_stats() {
    const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    const auto fields = stat_fields();
    ProcessStats s;
    // proc(5) numbering: utime 14, stime 15, starttime 22, vsize 23, rss 24; fields[0] is field 3.
    s.cpu_seconds = (number(fields[11]) + number(fields[12])) / ticks;
    s.start_time_seconds = boot_time_seconds() + number(fields[19]) / ticks;
    s.virtual_bytes = number(fields[20]);
    s.resident_bytes = number(fields[21]) * page;
    std::error_code error;
    std::size_t fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
         it.increment(error)) {
        ++fds;
    }
    if (error) throw std::runtime_error("cannot list /proc/self/fd: " + error.message());
    s.open_fds = static_cast<double>(fds);
    return s;
}

void add_process_metrics(Metrics& metrics) {
    const double start = read_process_stats().start_time_seconds;
    metrics.counter_callback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                             [] {
                                 return Samples{{{}, read_process_stats().cpu_seconds}};
                             });
    metrics.gauge_callback("process_resident_memory_bytes", "Resident memory size in bytes.", [] {
        return Samples{{{}, read_process_stats().resident_bytes}};
    });
    metrics.gauge_callback("process_virtual_memory_bytes", "Virtual memory size in bytes.", [] {
        return Samples{{{}, read_process_stats().virtual_bytes}};
    });
    metrics.gauge_callback("process_open_fds", "Number of open file descriptors.", [] {
        return Samples{{{}, read_process_stats().open_fds}};
    });
    metrics.gauge_callback("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.", [start] {
                               return Samples{{{}, start}};
                           });
}

}  // namespace courier::http
