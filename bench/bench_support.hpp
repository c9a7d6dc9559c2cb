#pragma once
// What every benchmark here shares: medians of repeated runs, and the machine-readable result
// lines that bench/run collects into one table.

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace courier::bench {

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
inline double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/// Prints one figure as a line bench/run reads, after the benchmark's own human output:
///
///   RESULT <TAB> figure <TAB> unit <TAB> courier <TAB> baseline <TAB> ratio <TAB> runs
///
/// `figure` says what was measured and against what ("publish vs raw librdkafka producer");
/// `unit` is what the numbers count ("msg/s", "ms"): for a rate higher is better, for a time
/// or a cost per message lower is better. `ratio` is courier / baseline. A figure without a
/// baseline (a latency percentile, an offered load) passes std::nullopt, and baseline and ratio
/// print as "-". `runs` is how many runs the medians were taken over. Tabs and newlines in the
/// text become spaces, so a line is always seven fields. Flushes stdout.
inline void print_result(std::string_view figure, std::string_view unit, double courier,
                         std::optional<double> baseline, int runs) {
    auto field = [](std::string_view text) {
        std::string out(text);
        std::replace_if(
            out.begin(), out.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
        return out;
    };
    const std::string f = field(figure), u = field(unit);
    if (baseline && *baseline != 0) {
        std::printf("RESULT\t%s\t%s\t%.3f\t%.3f\t%.6g\t%d\n", f.c_str(), u.c_str(), courier, *baseline,
                    courier / *baseline, runs);
    } else if (baseline) {
        std::printf("RESULT\t%s\t%s\t%.3f\t%.3f\t-\t%d\n", f.c_str(), u.c_str(), courier, *baseline, runs);
    } else {
        std::printf("RESULT\t%s\t%s\t%.3f\t-\t-\t%d\n", f.c_str(), u.c_str(), courier, runs);
    }
    std::fflush(stdout);
}

}  // namespace courier::bench
