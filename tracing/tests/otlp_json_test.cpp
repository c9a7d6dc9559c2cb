#include "courier/tracing/otlp_json.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace courier::tracing {
namespace {

SpanData sample_span() {
    SpanData span;
    span.name = "send \"orders\"";
    span.kind = SpanKind::producer;
    parse_hex("4bf92f3577b34da6a3ce929d0e0e4736", span.context.trace_id);
    parse_hex("00f067aa0ba902b7", span.context.span_id);
    parse_hex("0102030405060708", span.parent_span_id);
    span.context.flags = kSampledFlag;
    span.parent_is_remote = true;
    span.start_unix_nano = 1700000000123456789ULL;
    span.end_unix_nano = 1700000000223456789ULL;
    span.attributes.set("s", std::string("a\nb"));
    span.attributes.set("i", int64_t{-42});
    span.attributes.set("d", 0.5);
    span.attributes.set("b", false);
    span.status = StatusCode::error;
    span.status_message = "boom";
    return span;
}

TEST(OtlpJson, UsesHexIdsIntegerEnumsDecimalStringTimesAndCamelCaseKeys) {
    auto json = encode_otlp_json(std::vector<SpanData>{sample_span()}, Resource::make("svc"));
    EXPECT_NE(json.find("\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"spanId\":\"00f067aa0ba902b7\""), std::string::npos);
    EXPECT_NE(json.find("\"parentSpanId\":\"0102030405060708\""), std::string::npos);
    EXPECT_NE(json.find("\"kind\":4"), std::string::npos);
    EXPECT_NE(json.find("\"startTimeUnixNano\":\"1700000000123456789\""), std::string::npos);
    EXPECT_NE(json.find("\"status\":{\"message\":\"boom\",\"code\":2}"), std::string::npos);
    EXPECT_NE(json.find("{\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}}"), std::string::npos);
    EXPECT_NE(json.find("{\"key\":\"d\",\"value\":{\"doubleValue\":0.5}}"), std::string::npos);
    EXPECT_NE(json.find("{\"key\":\"b\",\"value\":{\"boolValue\":false}}"), std::string::npos);
    EXPECT_NE(json.find("\"stringValue\":\"a\\nb\""), std::string::npos);
    EXPECT_NE(json.find("\"name\":\"send \\\"orders\\\"\""), std::string::npos);
    // sampled (1) | has-is-remote (0x100) | is-remote (0x200)
    EXPECT_NE(json.find("\"flags\":769"), std::string::npos);
    // Every JSON key is lowerCamelCase (attribute names are values of "key", not keys).
    for (auto at = json.find("\":"); at != std::string::npos; at = json.find("\":", at + 1)) {
        auto open = json.rfind('"', at - 1);
        auto key = json.substr(open + 1, at - open - 1);
        EXPECT_EQ(key.find('_'), std::string::npos) << key;
    }
}

TEST(OtlpJson, GroupsSpansByScopeUnderOneResource) {
    InstrumentationScope a{"a", "1"}, b{"b", ""};
    auto one = sample_span(), two = sample_span(), three = sample_span();
    one.scope = &a;
    two.scope = &b;
    three.scope = &a;
    auto json = encode_otlp_json(std::vector<SpanData>{one, two, three}, Resource::make("svc"));
    auto first = json.find("\"scope\":{\"name\":\"a\",\"version\":\"1\"}");
    auto second = json.find("\"scope\":{\"name\":\"b\"}");
    EXPECT_NE(first, std::string::npos) << json;
    EXPECT_NE(second, std::string::npos);
    EXPECT_EQ(json.find("\"scope\":{\"name\":\"a\"", first + 1), std::string::npos)
        << "one scopeSpans per scope";
    EXPECT_EQ(json.find("\"resourceSpans\":[{\"resource\""), 1u);
}

TEST(OtlpJson, ReplacesInvalidUtf8AndEscapesControlCharacters) {
    auto span = sample_span();
    span.attributes.set("key", std::string("ok\xff\xc3(\x01 \xc3\xa9"));
    auto json = encode_otlp_json(std::vector<SpanData>{span}, Resource::make("svc"));
    EXPECT_NE(json.find("\"ok\xef\xbf\xbd\xef\xbf\xbd(\\u0001 \xc3\xa9\""), std::string::npos) << json;
}

TEST(OtlpJson, WritesNonFiniteDoublesAsProtoJsonStrings) {
    auto span = sample_span();
    span.attributes.set("nan", std::nan(""));
    span.attributes.set("inf", -HUGE_VAL);
    auto json = encode_otlp_json(std::vector<SpanData>{span}, Resource::make("svc"));
    EXPECT_NE(json.find("{\"doubleValue\":\"NaN\"}"), std::string::npos);
    EXPECT_NE(json.find("{\"doubleValue\":\"-Infinity\"}"), std::string::npos);
}

TEST(OtlpJson, LeavesOutEmptyOptionalFields) {
    SpanData span;
    span.name = "root";
    span.context = {new_trace_id(), new_span_id(), 0, {}, false};
    auto json = encode_otlp_json(std::vector<SpanData>{span}, Resource::make("svc"));
    EXPECT_EQ(json.find("parentSpanId"), std::string::npos);
    EXPECT_EQ(json.find("traceState"), std::string::npos);
    EXPECT_EQ(json.find("\"links\""), std::string::npos);
    EXPECT_EQ(json.find("\"events\""), std::string::npos);
    EXPECT_NE(json.find("\"status\":{\"code\":0}"), std::string::npos);
}

}  // namespace
}  // namespace courier::tracing
