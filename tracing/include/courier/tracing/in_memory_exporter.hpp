#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include "courier/tracing/span_exporter.hpp"

namespace courier::tracing {

/// Keeps exported spans in memory, for tests (of tracing and of code that traces). Thread-safe.
class InMemorySpanExporter final : public SpanExporter {
public:
    ExportResult export_spans(std::span<const SpanData> spans, const Resource& resource) override;

    /// A copy of every span exported so far, in export order.
    std::vector<SpanData> spans() const;
    /// Copies of the spans named `name`, in export order.
    std::vector<SpanData> spans_named(std::string_view name) const;
    /// The resource of the last export.
    Resource resource() const;
    void clear();

private:
    mutable std::mutex mutex_;
    std::vector<SpanData> spans_;
    Resource resource_;
};

}  // namespace courier::tracing
