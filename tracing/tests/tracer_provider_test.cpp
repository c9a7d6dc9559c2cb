#include "courier/tracing/tracer_provider.hpp"

#include <gtest/gtest.h>

#include <map>

#include "courier/core/errors.hpp"
#include "courier/tracing/console_exporter.hpp"

namespace courier::tracing {
namespace {

EnvLookup env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

TEST(TracerProviderOptions, DefaultsMatchTheOtelSpec) {
    auto options = TracerProviderOptions::from_env(env({}));
    EXPECT_EQ(options.exporter, ExporterKind::otlp);
    EXPECT_EQ(options.otlp.endpoint, "http://localhost:4318/v1/traces");
    EXPECT_EQ(options.sampler->description(), "ParentBased{root=AlwaysOnSampler}");
    EXPECT_EQ(options.batch.max_queue_size, 2048u);
    EXPECT_EQ(options.batch.max_export_batch_size, 512u);
    EXPECT_EQ(options.batch.schedule_delay, std::chrono::milliseconds(5000));
}

TEST(TracerProviderOptions, ReadsServiceResourceSamplerAndBatchVariables) {
    auto options = TracerProviderOptions::from_env(env({
        {"OTEL_SERVICE_NAME", "order"},
        {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=dev, team=a%2Cb,service.name=ignored"},
        {"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"},
        {"OTEL_TRACES_SAMPLER_ARG", "0.25"},
        {"OTEL_BSP_SCHEDULE_DELAY", "200"},
        {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
        {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"},
        {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=s%3Dcret"},
        {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
    }));
    EXPECT_EQ(options.service_name, "order");
    EXPECT_EQ(std::get<std::string>(*options.resource_attributes.find("team")), "a,b");
    EXPECT_EQ(options.sampler->description(), "ParentBased{root=TraceIdRatioBased{0.250000}}");
    EXPECT_EQ(options.batch.schedule_delay, std::chrono::milliseconds(200));
    EXPECT_EQ(options.batch.max_queue_size, 100u);
    EXPECT_EQ(options.batch.max_export_batch_size, 10u);
    ASSERT_EQ(options.otlp.headers.size(), 1u);
    EXPECT_EQ(options.otlp.headers[0].second, "s=cret");
    EXPECT_EQ(options.otlp.timeout, std::chrono::milliseconds(2500));

    TracerProvider provider(options);
    EXPECT_EQ(provider.resource().service_name(), "order")
        << "OTEL_SERVICE_NAME wins over the resource attribute";
    EXPECT_EQ(std::get<std::string>(*provider.resource().attributes.find("telemetry.sdk.language")), "cpp");
    EXPECT_NE(provider.describe().find("otlp http://localhost:4318/v1/traces"), std::string::npos);
}

TEST(TracerProviderOptions, TheTracesEndpointIsUsedAsIsAndTheGeneralOneGetsThePath) {
    EXPECT_EQ(TracerProviderOptions::from_env(env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318/"}}))
                  .otlp.endpoint,
              "http://jaeger:4318/v1/traces");
    EXPECT_EQ(
        TracerProviderOptions::from_env(env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                             {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:2/custom"}}))
            .otlp.endpoint,
        "http://b:2/custom");
}

TEST(TracerProviderOptions, SelectsTheExporterAndHonoursSdkDisabled) {
    EXPECT_EQ(TracerProviderOptions::from_env(env({{"OTEL_TRACES_EXPORTER", "console"}})).exporter,
              ExporterKind::console);
    EXPECT_EQ(TracerProviderOptions::from_env(env({{"OTEL_TRACES_EXPORTER", "none"}})).exporter,
              ExporterKind::none);
    EXPECT_EQ(TracerProviderOptions::from_env(env({{"OTEL_SDK_DISABLED", "true"}})).exporter,
              ExporterKind::none);
    EXPECT_EQ(TracerProviderOptions::from_env(env({{"OTEL_TRACES_EXPORTER", ""}})).exporter,
              ExporterKind::otlp)
        << "empty means unset";
}

TEST(TracerProviderOptions, RefusesValuesItCannotUseNamingTheVariable) {
    auto message = [](std::map<std::string, std::string> values) {
        try {
            TracerProviderOptions::from_env(env(std::move(values)));
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message({{"OTEL_TRACES_EXPORTER", "zipkin"}}).find("OTEL_TRACES_EXPORTER"), std::string::npos);
    EXPECT_NE(message({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}).find("http/json"), std::string::npos);
    EXPECT_NE(message({{"OTEL_TRACES_SAMPLER", "maybe"}}).find("OTEL_TRACES_SAMPLER"), std::string::npos);
    EXPECT_NE(message({{"OTEL_BSP_MAX_QUEUE_SIZE", "lots"}}).find("OTEL_BSP_MAX_QUEUE_SIZE"),
              std::string::npos);
    EXPECT_NE(message({{"OTEL_RESOURCE_ATTRIBUTES", "novalue"}}).find("OTEL_RESOURCE_ATTRIBUTES"),
              std::string::npos);
    EXPECT_EQ(message({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}), "accepted");
}

TEST(TracerProvider, RefusesAnEndpointItCannotReach) {
    TracerProviderOptions options;
    options.otlp.endpoint = "https://collector:4318/v1/traces";
    EXPECT_THROW(TracerProvider{options}, ConfigError);
    options.otlp.endpoint = "collector:4318";
    EXPECT_THROW(TracerProvider{options}, ConfigError);
    options.otlp.endpoint = "http://collector:99999/v1/traces";
    EXPECT_THROW(TracerProvider{options}, ConfigError);
}

TEST(Resource, DefaultsTheServiceNameToTheExecutable) {
    auto resource = Resource::make("");
    EXPECT_EQ(resource.service_name().rfind("unknown_service:", 0), 0u) << resource.service_name();
}

TEST(ConsoleSpanExporter, PrintsNameKindIdsAttributesLinksAndStatus) {
    std::ostringstream out;
    ConsoleSpanExporter exporter(out);
    SpanData span;
    span.name = "send orders";
    span.kind = SpanKind::producer;
    span.context = {new_trace_id(), new_span_id(), kSampledFlag, {}, false};
    span.start_unix_nano = 1'000'000;
    span.end_unix_nano = 3'500'000;
    span.attributes.set("messaging.system", std::string("kafka"));
    span.links.push_back({{new_trace_id(), new_span_id(), 1, {}, true}, {}});
    span.status = StatusCode::error;
    span.status_message = "broker down";
    ASSERT_EQ(exporter.export_spans(std::span(&span, 1), Resource::make("svc")), ExportResult::success);
    auto text = out.str();
    EXPECT_NE(text.find("span \"send orders\" PRODUCER 2.500 ms status=ERROR (broker down) service=svc"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("trace=" + span.context.trace_id.hex()), std::string::npos);
    EXPECT_NE(text.find("messaging.system=kafka"), std::string::npos);
    EXPECT_NE(text.find("link trace=" + span.links[0].context.trace_id.hex()), std::string::npos);
}

}  // namespace
}  // namespace courier::tracing
