#pragma once

#include <iosfwd>

#include "courier/tracing/span_exporter.hpp"

namespace courier::tracing {

/// Prints spans readably (OTEL_TRACES_EXPORTER=console), one block per span:
///   span "send store.order.events" PRODUCER 1.234 ms status=UNSET service=order
///     trace=4bf9... span=00f0... parent=- (remote)
///     messaging.system=kafka  messaging.destination.name=store.order.events ...
///     link trace=... span=...
///     event +0.100 ms retry attempt=2
/// Writes from the exporter's thread only; `out` must outlive the exporter.
class ConsoleSpanExporter final : public SpanExporter {
public:
    /// Defaults to std::cout.
    ConsoleSpanExporter();
    explicit ConsoleSpanExporter(std::ostream& out) : out_(out) {}
    ExportResult export_spans(std::span<const SpanData> spans, const Resource& resource) override;

private:
    std::ostream& out_;
};

}  // namespace courier::tracing
