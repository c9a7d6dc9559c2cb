#include "courier/tracing/tracer_provider.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <deque>
#include <mutex>

#include "courier/core/errors.hpp"
#include "courier/tracing/console_exporter.hpp"

namespace courier::tracing {

namespace {

std::optional<std::string> process_env(std::string_view name) {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

uint64_t parse_count(std::string_view name, const std::string& text) {
    uint64_t value = 0;
    auto body = trim(text);
    auto [end, error] = std::from_chars(body.data(), body.data() + body.size(), value);
    if (body.empty() || error != std::errc() || end != body.data() + body.size()) {
        throw ConfigError(std::string(name) + "='" + text + "' is not a non-negative integer");
    }
    return value;
}

}  // namespace

TracerProviderOptions TracerProviderOptions::from_env(const EnvLookup& lookup) {
    auto env = [&](std::string_view name) -> std::optional<std::string> {
        auto value = lookup ? lookup(name) : process_env(name);
        // Unset and empty mean the same, as the OTel spec asks.
        if (value && trim(*value).empty()) return std::nullopt;
        return value;
    };
    // The traces-specific variable wins over the general one.
    auto either = [&](std::string_view specific,
                      std::string_view general) -> std::pair<std::string, std::string> {
        if (auto value = env(specific)) return {std::string(specific), *value};
        if (auto value = env(general)) return {std::string(general), *value};
        return {};
    };

    TracerProviderOptions options;
    if (auto name = env("OTEL_SERVICE_NAME")) options.service_name = std::string(trim(*name));
    if (auto attributes = env("OTEL_RESOURCE_ATTRIBUTES")) {
        std::string why;
        auto parsed = parse_key_value_list(*attributes, &why);
        if (!parsed) {
            throw ConfigError(
                "OTEL_RESOURCE_ATTRIBUTES is not a key=value list: " + why,
                "e.g. OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=dev,service.version=1.2");
        }
        options.resource_attributes = std::move(*parsed);
    }

    if (auto exporter = env("OTEL_TRACES_EXPORTER")) {
        auto name = lower(std::string(trim(*exporter)));
        if (name == "otlp") {
            options.exporter = ExporterKind::otlp;
        } else if (name == "console" || name == "logging") {
            options.exporter = ExporterKind::console;
        } else if (name == "none") {
            options.exporter = ExporterKind::none;
        } else {
            throw ConfigError("OTEL_TRACES_EXPORTER='" + *exporter + "' is not supported",
                              "use otlp, console or none (one exporter)");
        }
    }
    if (auto disabled = env("OTEL_SDK_DISABLED"); disabled && lower(std::string(trim(*disabled))) == "true") {
        options.exporter = ExporterKind::none;
    }

    if (auto [name, protocol] = either("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
        !name.empty() && trim(protocol) != "http/json" && options.exporter == ExporterKind::otlp) {
        throw ConfigError(
            name + "='" + protocol + "' is not supported: courier exports OTLP over HTTP with JSON",
            "set " + name + "=http/json and point the endpoint at the collector's HTTP port (4318)");
    }
    if (auto endpoint = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
        options.otlp.endpoint = std::string(trim(*endpoint));
    } else if (auto base = env("OTEL_EXPORTER_OTLP_ENDPOINT")) {
        std::string url(trim(*base));
        while (!url.empty() && url.back() == '/') url.pop_back();
        options.otlp.endpoint = url + "/v1/traces";
    }
    if (auto [name, headers] = either("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS");
        !name.empty()) {
        std::string why;
        auto parsed = parse_key_value_list(headers, &why);
        if (!parsed)
            throw ConfigError(name + " is not a key=value list: " + why, "e.g. " + name + "=api-key=secret");
        for (const auto& item : *parsed) {
            options.otlp.headers.emplace_back(std::string(item.key.view()),
                                              std::get<std::string>(item.value));
        }
    }
    if (auto [name, timeout] = either("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT");
        !name.empty()) {
        options.otlp.timeout = std::chrono::milliseconds(parse_count(name, timeout));
    }

    auto sampler = env("OTEL_TRACES_SAMPLER");
    auto argument = env("OTEL_TRACES_SAMPLER_ARG");
    options.sampler = make_sampler(sampler ? trim(*sampler) : std::string_view(),
                                   argument ? trim(*argument) : std::string_view());

    if (auto delay = env("OTEL_BSP_SCHEDULE_DELAY")) {
        options.batch.schedule_delay =
            std::chrono::milliseconds(parse_count("OTEL_BSP_SCHEDULE_DELAY", *delay));
    }
    if (auto size = env("OTEL_BSP_MAX_QUEUE_SIZE")) {
        options.batch.max_queue_size = parse_count("OTEL_BSP_MAX_QUEUE_SIZE", *size);
    }
    if (auto size = env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")) {
        options.batch.max_export_batch_size = parse_count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", *size);
    }
    return options;
}

struct TracerProvider::Impl {
    TracerProviderOptions options;
    Resource resource;
    std::shared_ptr<SpanExporter> exporter;
    std::shared_ptr<BatchSpanProcessor> processor;
    std::shared_ptr<const Sampler> sampler;
};

namespace {

// Scopes are interned for the life of the process, not of a provider: SpanData copies (e.g. from
// InMemorySpanExporter) may outlive the provider that made them, and point at their scope.
const InstrumentationScope* intern_scope(std::string_view name, std::string_view version) {
    static std::mutex mutex;
    static std::deque<InstrumentationScope> scopes;  // a deque: elements never move
    std::lock_guard lock(mutex);
    for (const auto& known : scopes) {
        if (known.name == name && known.version == version) return &known;
    }
    return &scopes.emplace_back(InstrumentationScope{std::string(name), std::string(version)});
}

}  // namespace

TracerProvider::TracerProvider(TracerProviderOptions options) : TracerProvider(std::move(options), nullptr) {}

TracerProvider::TracerProvider(TracerProviderOptions options, std::shared_ptr<SpanExporter> exporter)
    : impl_(std::make_unique<Impl>()) {
    auto& s = *impl_;
    s.resource = Resource::make(options.service_name, options.resource_attributes);
    s.sampler = options.sampler ? options.sampler : parent_based(always_on());
    if (!exporter) {
        switch (options.exporter) {
            case ExporterKind::otlp:
                exporter = std::make_shared<OtlpHttpExporter>(options.otlp);
                break;
            case ExporterKind::console:
                exporter = std::make_shared<ConsoleSpanExporter>();
                break;
            case ExporterKind::none:
                break;
        }
    }
    s.exporter = std::move(exporter);
    if (s.exporter) s.processor = std::make_shared<BatchSpanProcessor>(s.exporter, s.resource, options.batch);
    s.options = std::move(options);
}

TracerProvider::~TracerProvider() { shutdown(impl_->options.shutdown_timeout); }

Tracer TracerProvider::tracer(std::string_view scope_name, std::string_view scope_version) {
    return Tracer(impl_->sampler, impl_->processor, intern_scope(scope_name, scope_version));
}

bool TracerProvider::force_flush(std::chrono::milliseconds timeout) {
    return impl_->processor ? impl_->processor->force_flush(timeout) : true;
}

void TracerProvider::shutdown(std::chrono::milliseconds timeout) {
    if (impl_->processor) impl_->processor->shutdown(timeout);
}

TracingStats TracerProvider::stats() const {
    return impl_->processor ? impl_->processor->stats() : TracingStats{};
}

const Resource& TracerProvider::resource() const noexcept { return impl_->resource; }

const TracerProviderOptions& TracerProvider::options() const noexcept { return impl_->options; }

std::shared_ptr<SpanExporter> TracerProvider::exporter() const { return impl_->exporter; }

std::string TracerProvider::describe() const {
    const auto& s = *impl_;
    std::string exporter;
    if (!s.exporter) {
        exporter = "exporter none";
    } else if (dynamic_cast<OtlpHttpExporter*>(s.exporter.get()) != nullptr) {
        exporter = "otlp " + s.options.otlp.endpoint;
    } else if (dynamic_cast<ConsoleSpanExporter*>(s.exporter.get()) != nullptr) {
        exporter = "console";
    } else {
        exporter = "custom exporter";
    }
    return "tracing: service " + s.resource.service_name() + ", " + exporter + ", " +
           s.sampler->description();
}

}  // namespace courier::tracing
