#include "courier/http/process_metrics.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace courier::http {
namespace {

TEST(ProcessMetrics, ReadsPlausibleValuesOfThisProcess) {
    const auto s = read_process_stats();
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_GT(s.start_time_seconds, now - 3600) << "the test started within the hour";
    EXPECT_LE(s.start_time_seconds, now + 1);
    EXPECT_GT(s.resident_bytes, 1 << 20);
    EXPECT_GE(s.virtual_bytes, s.resident_bytes);
    EXPECT_GE(s.cpu_seconds, 0);
    EXPECT_GE(s.open_fds, 3) << "stdin, stdout, stderr";
}

TEST(ProcessMetrics, CountsOpenFileDescriptorsAndCpuTime) {
    const auto before = read_process_stats();
    std::vector<int> fds;
    for (int i = 0; i < 10; ++i) fds.push_back(::open("/dev/null", O_RDONLY));
    const auto opened = read_process_stats();
    for (int fd : fds) ::close(fd);
    EXPECT_EQ(opened.open_fds, before.open_fds + 10);

    // Burn CPU until the counter moves (it counts clock ticks of 10 ms); a shared machine may
    // give this thread little of it, hence the generous deadline.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    volatile double sink = 0;
    double cpu = before.cpu_seconds;
    while (cpu <= before.cpu_seconds && std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < 1000000; ++i) sink = sink + 1;
        cpu = read_process_stats().cpu_seconds;
    }
    EXPECT_GT(cpu, before.cpu_seconds);
}

TEST(ProcessMetrics, RegistersTheFamiliesOfThePrometheusClientConventions) {
    Metrics metrics;
    add_process_metrics(metrics);
    const std::string text = metrics.render();
    for (const char* line : {"# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
                             "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
                             "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes ",
                             "# TYPE process_open_fds gauge\nprocess_open_fds ",
                             "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds "}) {
        EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
    }
}

}  // namespace
}  // namespace courier::http
