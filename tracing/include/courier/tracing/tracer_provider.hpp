#pragma once
// The tracing set-up of a process: resource, sampler, exporter and batch processor, configured by
// the standard OTEL_* variables as in every OpenTelemetry SDK.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "courier/tracing/batch_span_processor.hpp"
#include "courier/tracing/otlp_http_exporter.hpp"
#include "courier/tracing/resource.hpp"
#include "courier/tracing/sampler.hpp"
#include "courier/tracing/tracer.hpp"

namespace courier::tracing {

enum class ExporterKind {
    otlp,     ///< OTLP/HTTP JSON to options.otlp.endpoint
    console,  ///< readable lines on stdout
    none,     ///< record nothing; contexts still propagate (ids are still made)
};

/// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

struct TracerProviderOptions {
    std::string service_name;  ///< "" → service.name from resource_attributes, else unknown_service:<exe>
    Attributes resource_attributes;  ///< extra resource attributes
    ExporterKind exporter = ExporterKind::otlp;
    OtlpHttpExporterOptions otlp;
    std::shared_ptr<const Sampler> sampler;  ///< null → parentbased_always_on
    BatchOptions batch;
    /// How long the destructor waits for queued spans to be exported.
    std::chrono::milliseconds shutdown_timeout{10000};

    /// Reads the standard variables (through `env`, default the process environment):
    ///   OTEL_SDK_DISABLED=true → exporter none;
    ///   OTEL_SERVICE_NAME; OTEL_RESOURCE_ATTRIBUTES (k=v,k2=v2, %-encoded);
    ///   OTEL_TRACES_EXPORTER = otlp (default) | console | none;
    ///   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces),
    ///     default http://localhost:4318/v1/traces; OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL must be
    ///     http/json when set; OTEL_EXPORTER_OTLP_[TRACES_]HEADERS; OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT (ms);
    ///   OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG;
    ///   OTEL_BSP_SCHEDULE_DELAY (ms), OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE.
    /// Throws ConfigError naming the variable for a value it cannot use (an unknown exporter or
    /// sampler, a protocol other than http/json, https, a bad number or list).
    static TracerProviderOptions from_env(const EnvLookup& env = {});
};

/// Owns the export pipeline. Thread-safe. Tracers it hands out keep the pipeline alive, but spans
/// ended after shutdown() are dropped (counted).
class TracerProvider {
public:
    /// Builds the exporter named by options.exporter. Throws ConfigError for a bad endpoint.
    /// Does not block on the network.
    explicit TracerProvider(TracerProviderOptions options);
    /// With an exporter of the caller's (e.g. InMemorySpanExporter in tests); options.exporter
    /// is ignored.
    TracerProvider(TracerProviderOptions options, std::shared_ptr<SpanExporter> exporter);
    /// shutdown(options.shutdown_timeout).
    ~TracerProvider();
    TracerProvider(const TracerProvider&) = delete;
    TracerProvider& operator=(const TracerProvider&) = delete;

    /// A tracer for an instrumentation scope, e.g. tracer("courier.messaging"). Cheap; the same
    /// name gives tracers that share one scope.
    Tracer tracer(std::string_view scope_name = "courier", std::string_view scope_version = {});

    /// Blocks until spans ended before the call are exported, or `timeout`; true when done.
    bool force_flush(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Exports what is queued (bounded by `timeout`) and stops. Idempotent.
    void shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    TracingStats stats() const;
    const Resource& resource() const noexcept;
    const TracerProviderOptions& options() const noexcept;
    /// The exporter in use (null with ExporterKind::none).
    std::shared_ptr<SpanExporter> exporter() const;
    /// One line for start-up logs, e.g. "tracing: service order, otlp http://...,
    /// ParentBased{root=AlwaysOnSampler}".
    std::string describe() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::tracing
