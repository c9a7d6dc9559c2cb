// Checks courier's OTLP/JSON with a decoder nobody here wrote: opentelemetry-proto's generated
// classes and protobuf's json_format.Parse, behind a strict descriptor walk
// (tests/support/otlp_strict_decode.py).
#include <gtest/gtest.h>

#include "courier/tracing/in_memory_exporter.hpp"
#include "courier/tracing/messaging.hpp"
#include "courier/tracing/otlp_json.hpp"
#include "courier/tracing/tracer_provider.hpp"
#include "strict_decoder.hpp"

namespace courier::tracing {
namespace {

using testing::strict_decode;

std::vector<SpanData> realistic_spans() {
    auto exporter = std::make_shared<InMemorySpanExporter>();
    TracerProvider provider(TracerProviderOptions{}, exporter);
    auto tracer = provider.tracer("courier.messaging", "0.1.0");
    Message message;
    message.topic = "store.order.events";
    message.key = std::string("order-\xff-1");  // Kafka keys are bytes
    message.headers.set("ce_id", "5f0c7e7e-0000-4000-8000-000000000001");
    message.headers.set("tracestate", "vendor=abc");
    auto send = messaging::start_send_span(tracer, message);
    send.add_event("queued", {});
    messaging::end_send_span(send, broker::DeliveryReport{"store.order.events", 2, 17});
    message.metadata = MessageMetadata{2, 17, 0, "order-service"};
    auto process = messaging::start_process_span(tracer, message);
    process.set_attribute("ratio", 0.75);
    process.set_attribute("flag", true);
    messaging::end_process_span(process, Error::permanent("handler.rejected", "nope"));
    EXPECT_TRUE(provider.force_flush(std::chrono::seconds(5)));
    return exporter->spans();
}

TEST(OtlpStrictDecode, TheOfficialProtobufClassesDecodeCourierBodiesWithTheSameIdsAndFields) {
    auto spans = realistic_spans();
    ASSERT_EQ(spans.size(), 2u);
    auto result = strict_decode({encode_otlp_json(spans, Resource::make("order"))});
    ASSERT_EQ(result.exit_code, 0) << result.errors;
    const auto& out = result.output;
    EXPECT_NE(out.find("\"traceId\": \"" + spans[0].context.trace_id.hex() + "\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"spanId\": \"" + spans[1].context.span_id.hex() + "\""), std::string::npos);
    EXPECT_NE(out.find("\"parentSpanId\": \"" + spans[0].context.span_id.hex() + "\""), std::string::npos)
        << "process is a child of send";
    EXPECT_NE(out.find("\"kind\": 4"), std::string::npos);
    EXPECT_NE(out.find("\"kind\": 5"), std::string::npos);
    EXPECT_NE(out.find("\"messaging.kafka.offset\": 17"), std::string::npos);
    EXPECT_NE(out.find("\"messaging.destination.partition.id\": \"2\""), std::string::npos);
    EXPECT_NE(out.find("\"ratio\": 0.75"), std::string::npos);
    EXPECT_NE(out.find("\"flag\": true"), std::string::npos);
    EXPECT_NE(out.find("\"code\": 2, \"message\": \"nope\""), std::string::npos);
    EXPECT_NE(out.find("\"service.name\": \"order\""), std::string::npos);
}

// The first trace id in `json`, upper-cased.
std::string spans_hex_upper(const std::string& json) {
    auto at = json.find("\"traceId\":\"") + 11;
    auto id = json.substr(at, 32);
    for (auto& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return id;
}

TEST(OtlpStrictDecode, TheCheckerItselfRejectsWhatOtlpJsonForbids) {
    auto good = encode_otlp_json(realistic_spans(), Resource::make("order"));
    auto replaced = [&](const std::string& from, const std::string& to) {
        auto copy = good;
        auto at = copy.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return copy.replace(at, from.size(), to);
    };
    // Replaces the first quoted value of `key` with `json` (a complete JSON value).
    auto value_replaced = [&](const std::string& key, const std::string& json) {
        auto copy = good;
        auto at = copy.find("\"" + key + "\":\"");
        EXPECT_NE(at, std::string::npos) << key;
        auto start = at + key.size() + 3;
        auto end = copy.find('"', start + 1);
        return copy.replace(start, end - start + 1, json);
    };
    std::string upper = spans_hex_upper(good);
    struct Case {
        std::string what, body;
    };
    std::vector<Case> cases = {
        {"snake_case key", replaced("\"startTimeUnixNano\"", "\"start_time_unix_nano\"")},
        {"enum name", replaced("\"kind\":4", "\"kind\":\"SPAN_KIND_PRODUCER\"")},
        {"64-bit time as a number", value_replaced("endTimeUnixNano", "1700000000223456789")},
        {"base64 id", value_replaced("spanId", "\"AAECAwQFBgc=\"")},
        {"uppercase hex id", value_replaced("traceId", "\"" + upper + "\"")},
        {"int attribute as a number", replaced("\"intValue\":\"17\"", "\"intValue\":17")},
    };
    ASSERT_EQ(strict_decode({good}).exit_code, 0) << "the unmodified body must pass";
    for (const auto& c : cases) {
        auto result = strict_decode({c.body});
        EXPECT_EQ(result.exit_code, 1) << c.what << ": " << result.errors << result.output;
        EXPECT_NE(result.errors.find("not strict OTLP/JSON"), std::string::npos)
            << c.what << ": " << result.errors;
    }
}

}  // namespace
}  // namespace courier::tracing
