#include "courier/testing/prometheus_text.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace courier::testing {

namespace {

// One sample line: `name{a="1",b="x\"y"} value [timestamp]`; false when it is not one.
bool parse_sample(std::string_view line, std::string& name, std::map<std::string, std::string>& labels,
                  double& value) {
    std::size_t i = line.find_first_of("{ ");
    if (i == std::string_view::npos || i == 0) return false;
    name.assign(line.substr(0, i));
    labels.clear();
    if (line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
            const auto eq = line.find("=\"", i);
            if (eq == std::string_view::npos) return false;
            std::string key(line.substr(i, eq - i)), text;
            std::size_t j = eq + 2;
            for (; j < line.size() && line[j] != '"'; ++j) {
                if (line[j] == '\\' && j + 1 < line.size()) {
                    ++j;
                    text.push_back(line[j] == 'n' ? '\n' : line[j]);
                } else {
                    text.push_back(line[j]);
                }
            }
            if (j >= line.size()) return false;
            labels.emplace(std::move(key), std::move(text));
            i = j + 1;
            if (i < line.size() && line[i] == ',') ++i;
        }
        if (i >= line.size()) return false;
        ++i;  // past '}'
    }
    std::istringstream rest{std::string(line.substr(i))};
    std::string number;
    if (!(rest >> number)) return false;
    try {
        value = std::stod(number);  // also "+Inf", "NaN"
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

}  // namespace

double sample_sum(std::string_view exposition, std::string_view name,
                  const std::vector<std::pair<std::string, std::string>>& labels) {
    double sum = 0;
    std::string sample_name;
    std::map<std::string, std::string> sample_labels;
    double value = 0;
    while (!exposition.empty()) {
        const auto end = exposition.find('\n');
        const auto line = exposition.substr(0, end);
        exposition.remove_prefix(end == std::string_view::npos ? exposition.size() : end + 1);
        if (line.empty() || line.front() == '#') continue;
        if (!parse_sample(line, sample_name, sample_labels, value) || sample_name != name) continue;
        const bool matches = std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
            auto it = sample_labels.find(wanted.first);
            return it != sample_labels.end() && it->second == wanted.second;
        });
        if (matches) sum += value;
    }
    return sum;
}

}  // namespace courier::testing
