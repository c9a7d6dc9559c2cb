#pragma once
// Prometheus metrics: counters, gauges and histograms in one registry, rendered in the text
// exposition format 0.0.4 for GET /metrics.

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courier::http {

/// Label name/value pairs of one series. Order does not matter: series are keyed and rendered with
/// labels sorted by name.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// 5 ms .. 10 s, the Prometheus client defaults: fits request latencies.
std::span<const double> default_latency_buckets() noexcept;

/// The type of a family, for Metrics::declare.
enum class MetricType { counter, gauge, histogram };

/// Samples a callback family returns at scrape time: one value per label set.
using Samples = std::vector<std::pair<Labels, double>>;

/// A registry of metric families. Thread-safe: every member may be called from any thread at any
/// time. An update of an existing series takes two shared locks and one atomic operation; the first
/// update of a new series takes an exclusive lock. Nothing blocks for long; render() runs the gauge
/// callbacks outside any lock.
///
/// A family is created by its first use or by declare(); its type (and a histogram's buckets, and
/// the help text) are fixed then. A family without series renders as its # HELP and # TYPE lines
/// alone, which Prometheus and `promtool check metrics` accept: declare every family at start-up so
/// that scrapers and rule checks see it before its first sample. Errors are programming mistakes and throw
/// std::invalid_argument: a name not matching [a-zA-Z_:][a-zA-Z0-9_:]*, a label name not matching
/// [a-zA-Z_][a-zA-Z0-9_]* or starting with "__" (or "le" on a histogram), a name reused with another type, a
/// negative counter increment, buckets not strictly increasing.
class Metrics {
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    /// Creates the family `name` with no series (a no-op when it exists with this type). Throws
    /// std::invalid_argument as the other members do, e.g. when `name` exists with another type.
    void declare(std::string_view name, std::string_view help, MetricType type,
                 std::span<const double> buckets = default_latency_buckets());

    /// A counter family; labels given per increment. `value` 0 creates the series at 0. `value` must be >= 0.
    /// Name it `..._total`.
    void counter_add(std::string_view name, std::string_view help, const Labels& labels = {},
                     double value = 1);
    void gauge_set(std::string_view name, std::string_view help, const Labels& labels, double value);
    /// Adds `delta` (may be negative) to a gauge, e.g. requests in flight.
    void gauge_add(std::string_view name, std::string_view help, const Labels& labels, double delta);
    /// A gauge read at scrape time (e.g. outbox backlog from the database). The callback runs on the
    /// thread calling render(), outside any lock, so it must be quick (bound its waits); it may
    /// throw: then the family renders without samples and a comment line notes the error.
    /// Registering a name again replaces the callback.
    void gauge_callback(std::string_view name, std::string_view help, std::function<Samples()> read);
    /// A counter read at scrape time, from a count kept elsewhere (e.g. a component's stats());
    /// otherwise as gauge_callback. The values must never decrease while the process runs.
    void counter_callback(std::string_view name, std::string_view help, std::function<Samples()> read);
    /// Observes `value` into a histogram. `buckets` are the finite upper bounds, strictly
    /// increasing; +Inf is implicit. Only the first call of a family decides its buckets.
    void histogram_observe(std::string_view name, std::string_view help, const Labels& labels, double value,
                           std::span<const double> buckets = default_latency_buckets());

    /// The whole text exposition: per family (sorted by name) # HELP, # TYPE, then its samples
    /// (sorted by labels); histograms as cumulative _bucket{le="..."}, _sum and _count. Label values
    /// are escaped (\\, \", \n), numbers in shortest round-trip form, +Inf/-Inf/NaN as Prometheus
    /// spells them.
    std::string render() const;

    /// The current value of a counter or gauge series (not callback gauges), or of a histogram's
    /// _count; 0 when the series does not exist. For tests and the load driver.
    double value(std::string_view name, const Labels& labels = {}) const;

private:
    struct Family;
    Family& family(std::string_view name, std::string_view help, int type, std::span<const double> buckets);
    const Family* find(std::string_view name) const;

    mutable std::shared_mutex mutex_;
    std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

/// The text/plain content type of the exposition format 0.0.4.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace courier::http
