#include "courier/http/metrics.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>

namespace courier::http {

namespace {

// kCallback is a gauge read at scrape time, kCounterCallback a counter read at scrape time.
enum Type : int { kCounter = 0, kGauge = 1, kHistogram = 2, kCallback = 3, kCounterCallback = 4 };

bool is_callback(int type) { return type == kCallback || type == kCounterCallback; }

constexpr std::array<double, 11> kLatencyBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string_view type_name(int type) {
    switch (type) {
        case kCounter:
        case kCounterCallback:
            return "counter";
        case kHistogram:
            return "histogram";
        default:
            return "gauge";
    }
}

bool valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

bool valid_label_name(std::string_view name) {
    if (name.empty() || name.starts_with("__")) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void append_escaped_help(std::string& out, std::string_view help) {
    for (char c : help) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void append_number(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
    } else if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
    } else {
        std::array<char, 32> buffer{};
        auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
        out.append(buffer.data(), result.ptr);
    }
}

void append_number(std::string& out, uint64_t value) {
    std::array<char, 24> buffer{};
    auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), result.ptr);
}

// The rendered label list without braces, labels sorted by name: `a="1",b="x\"y"`. It is also the
// series key: escaping makes it one-to-one.
std::string series_key(const Labels& labels) {
    std::string key;
    if (labels.empty()) return key;
    std::vector<const std::pair<std::string, std::string>*> sorted;
    sorted.reserve(labels.size());
    for (const auto& label : labels) sorted.push_back(&label);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (const auto* label : sorted) {
        if (!key.empty()) key += ',';
        key += label->first;
        key += "=\"";
        append_escaped_label_value(key, label->second);
        key += '"';
    }
    return key;
}

void validate_labels(std::string_view metric, const Labels& labels, bool histogram) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto& name = labels[i].first;
        if (!valid_label_name(name) || (histogram && name == "le")) {
            throw std::invalid_argument("metric " + std::string(metric) + ": invalid label name '" + name +
                                        "'");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (labels[j].first == name) {
                throw std::invalid_argument("metric " + std::string(metric) + ": label '" + name +
                                            "' given twice");
            }
        }
    }
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, std::string_view key,
                   std::string_view extra_label) {
    out += name;
    out += suffix;
    if (!key.empty() || !extra_label.empty()) {
        out += '{';
        out += key;
        if (!key.empty() && !extra_label.empty()) out += ',';
        out += extra_label;
        out += '}';
    }
    out += ' ';
}

using ReadFunction = std::function<Samples()>;

}  // namespace

std::span<const double> default_latency_buckets() noexcept { return kLatencyBuckets; }

struct Metrics::Family {
    struct Scalar {
        std::atomic<double> value{0};
    };
    struct Histogram {
        explicit Histogram(std::size_t buckets) : counts(buckets) {}
        std::vector<std::atomic<uint64_t>> counts;  // per bucket, not cumulative; last is +Inf
        std::atomic<double> sum{0};
    };

    std::string name;
    std::string help;
    int type = kCounter;
    std::vector<double> bounds;

    mutable std::shared_mutex mutex;
    std::map<std::string, std::unique_ptr<Scalar>, std::less<>> scalars;
    std::map<std::string, std::unique_ptr<Histogram>, std::less<>> histograms;
    std::shared_ptr<const ReadFunction> read;

    template <typename Series, typename Map, typename Make>
    Series& series(Map& map, const Labels& labels, Make make) {
        std::string key = series_key(labels);
        {
            std::shared_lock lock(mutex);
            auto it = map.find(key);
            if (it != map.end()) return *it->second;
        }
        validate_labels(name, labels, type == kHistogram);
        std::unique_lock lock(mutex);
        auto [it, inserted] = map.try_emplace(std::move(key));
        if (inserted) it->second = make();
        return *it->second;
    }

    Scalar& scalar(const Labels& labels) {
        return series<Scalar>(scalars, labels, [] { return std::make_unique<Scalar>(); });
    }
    Histogram& histogram(const Labels& labels) {
        return series<Histogram>(histograms, labels,
                                 [this] { return std::make_unique<Histogram>(bounds.size() + 1); });
    }
};

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::Family& Metrics::family(std::string_view name, std::string_view help, int type,
                                 std::span<const double> buckets) {
    Family* found = nullptr;
    {
        std::shared_lock lock(mutex_);
        auto it = families_.find(name);
        if (it != families_.end()) found = it->second.get();
    }
    if (!found) {
        if (!valid_metric_name(name)) {
            throw std::invalid_argument("invalid metric name '" + std::string(name) +
                                        "': must match [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        std::vector<double> bounds;
        if (type == kHistogram) {
            for (double bound : buckets) {
                if (std::isnan(bound) || (!bounds.empty() && bound <= bounds.back())) {
                    throw std::invalid_argument("histogram " + std::string(name) +
                                                ": buckets must be strictly increasing");
                }
                if (std::isinf(bound) && bound > 0) break;  // +Inf is implicit
                bounds.push_back(bound);
            }
        }
        std::unique_lock lock(mutex_);
        auto [it, inserted] = families_.try_emplace(std::string(name));
        if (inserted) {
            it->second = std::make_unique<Family>();
            it->second->name = std::string(name);
            it->second->help = std::string(help);
            it->second->type = type;
            it->second->bounds = std::move(bounds);
        }
        found = it->second.get();
    }
    if (found->type != type) {
        throw std::invalid_argument("metric " + std::string(name) + " is a " +
                                    std::string(type_name(found->type)) +
                                    (is_callback(found->type) ? " callback" : "") + ", not a " +
                                    std::string(type_name(type)) + (is_callback(type) ? " callback" : ""));
    }
    return *found;
}

const Metrics::Family* Metrics::find(std::string_view name) const {
    std::shared_lock lock(mutex_);
    auto it = families_.find(name);
    return it == families_.end() ? nullptr : it->second.get();
}

void Metrics::declare(std::string_view name, std::string_view help, MetricType type,
                      std::span<const double> buckets) {
    switch (type) {
        case MetricType::counter:
            family(name, help, kCounter, {});
            return;
        case MetricType::gauge:
            family(name, help, kGauge, {});
            return;
        case MetricType::histogram:
            family(name, help, kHistogram, buckets);
            return;
    }
}

void Metrics::counter_add(std::string_view name, std::string_view help, const Labels& labels, double value) {
    if (!(value >= 0)) {
        throw std::invalid_argument("counter " + std::string(name) + ": increment must be >= 0");
    }
    family(name, help, kCounter, {}).scalar(labels).value.fetch_add(value, std::memory_order_relaxed);
}

void Metrics::gauge_set(std::string_view name, std::string_view help, const Labels& labels, double value) {
    family(name, help, kGauge, {}).scalar(labels).value.store(value, std::memory_order_relaxed);
}

void Metrics::gauge_add(std::string_view name, std::string_view help, const Labels& labels, double delta) {
    family(name, help, kGauge, {}).scalar(labels).value.fetch_add(delta, std::memory_order_relaxed);
}

void Metrics::gauge_callback(std::string_view name, std::string_view help, std::function<Samples()> read) {
    Family& f = family(name, help, kCallback, {});
    auto shared = std::make_shared<const ReadFunction>(std::move(read));
    std::unique_lock lock(f.mutex);
    f.read = std::move(shared);
}

void Metrics::counter_callback(std::string_view name, std::string_view help, std::function<Samples()> read) {
    Family& f = family(name, help, kCounterCallback, {});
    auto shared = std::make_shared<const ReadFunction>(std::move(read));
    std::unique_lock lock(f.mutex);
    f.read = std::move(shared);
}

void Metrics::histogram_observe(std::string_view name, std::string_view help, const Labels& labels,
                                double value, std::span<const double> buckets) {
    Family& f = family(name, help, kHistogram, buckets);
    auto& series = f.histogram(labels);
    std::size_t index = f.bounds.size();  // +Inf, also for NaN
    if (!std::isnan(value)) {
        index = static_cast<std::size_t>(std::lower_bound(f.bounds.begin(), f.bounds.end(), value) -
                                         f.bounds.begin());
    }
    series.counts[index].fetch_add(1, std::memory_order_relaxed);
    series.sum.fetch_add(value, std::memory_order_relaxed);
}

double Metrics::value(std::string_view name, const Labels& labels) const {
    const Family* f = find(name);
    if (!f) return 0;
    std::string key = series_key(labels);
    std::shared_lock lock(f->mutex);
    if (f->type == kHistogram) {
        auto it = f->histograms.find(key);
        if (it == f->histograms.end()) return 0;
        uint64_t total = 0;
        for (const auto& count : it->second->counts) total += count.load(std::memory_order_relaxed);
        return static_cast<double>(total);
    }
    auto it = f->scalars.find(key);
    return it == f->scalars.end() ? 0 : it->second->value.load(std::memory_order_relaxed);
}

std::string Metrics::render() const {
    std::vector<const Family*> families;
    {
        std::shared_lock lock(mutex_);
        families.reserve(families_.size());
        for (const auto& [name, f] : families_) families.push_back(f.get());
    }
    std::string out;
    for (const Family* f : families) {
        std::string header = "# HELP " + f->name + ' ';
        append_escaped_help(header, f->help);
        header += "\n# TYPE " + f->name + ' ' + std::string(type_name(f->type)) + '\n';

        if (is_callback(f->type)) {
            std::shared_ptr<const ReadFunction> read;
            {
                std::shared_lock lock(f->mutex);
                read = f->read;
            }
            // A failed callback leaves its family without samples, but still declared: rules and
            // dashboards keep seeing the name, and the comment says why the samples are missing.
            out += header;
            Samples samples;
            try {
                if (read && *read) samples = (*read)();
            } catch (const std::exception& e) {
                std::string message = e.what();
                std::replace(message.begin(), message.end(), '\n', ' ');
                out += "# " + f->name + " has no samples: its callback failed: " + message + '\n';
                continue;
            } catch (...) {
                out += "# " + f->name + " has no samples: its callback failed with an unknown exception\n";
                continue;
            }
            std::map<std::string, double> sorted;
            try {
                for (const auto& [labels, value] : samples) {
                    validate_labels(f->name, labels, false);
                    sorted[series_key(labels)] = value;
                }
            } catch (const std::invalid_argument& e) {
                out += "# " + f->name + " has no samples: " + std::string(e.what()) + '\n';
                continue;
            }
            for (const auto& [key, value] : sorted) {
                append_sample(out, f->name, "", key, "");
                append_number(out, value);
                out += '\n';
            }
            continue;
        }

        out += header;
        std::shared_lock lock(f->mutex);
        if (f->type == kHistogram) {
            for (const auto& [key, series] : f->histograms) {
                uint64_t cumulative = 0;
                for (std::size_t i = 0; i < series->counts.size(); ++i) {
                    cumulative += series->counts[i].load(std::memory_order_relaxed);
                    std::string le = "le=\"";
                    append_number(le, i < f->bounds.size() ? f->bounds[i] : HUGE_VAL);
                    le += '"';
                    append_sample(out, f->name, "_bucket", key, le);
                    append_number(out, cumulative);
                    out += '\n';
                }
                append_sample(out, f->name, "_sum", key, "");
                append_number(out, series->sum.load(std::memory_order_relaxed));
                out += '\n';
                // _count equals the +Inf bucket by construction, even while observations race.
                append_sample(out, f->name, "_count", key, "");
                append_number(out, cumulative);
                out += '\n';
            }
        } else {
            for (const auto& [key, series] : f->scalars) {
                append_sample(out, f->name, "", key, "");
                append_number(out, series->value.load(std::memory_order_relaxed));
                out += '\n';
            }
        }
    }
    return out;
}

}  // namespace courier::http
