#include "courier/tracing/in_memory_exporter.hpp"

namespace courier::tracing {

ExportResult InMemorySpanExporter::export_spans(std::span<const SpanData> spans, const Resource& resource) {
    std::lock_guard lock(mutex_);
    spans_.insert(spans_.end(), spans.begin(), spans.end());
    resource_ = resource;
    return ExportResult::success;
}

std::vector<SpanData> InMemorySpanExporter::spans() const {
    std::lock_guard lock(mutex_);
    return spans_;
}

std::vector<SpanData> InMemorySpanExporter::spans_named(std::string_view name) const {
    std::lock_guard lock(mutex_);
    std::vector<SpanData> out;
    for (const auto& span : spans_) {
        if (span.name == name) out.push_back(span);
    }
    return out;
}

Resource InMemorySpanExporter::resource() const {
    std::lock_guard lock(mutex_);
    return resource_;
}

void InMemorySpanExporter::clear() {
    std::lock_guard lock(mutex_);
    spans_.clear();
}

}  // namespace courier::tracing
