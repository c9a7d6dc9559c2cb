#include "courier/tracing/trace_context.hpp"

#include <gtest/gtest.h>

namespace courier::tracing {
namespace {

constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string rejection_code(std::string_view value) {
    auto parsed = parse_traceparent(value);
    return parsed ? std::string("accepted") : parsed.error().code;
}

TEST(TraceParent, ParsesTheSpecExampleIntoIdsFlagsAndRemote) {
    auto context = parse_traceparent(kValid);
    ASSERT_TRUE(context) << context.error().message;
    EXPECT_EQ(context->trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(context->span_id.hex(), "00f067aa0ba902b7");
    EXPECT_TRUE(context->sampled());
    EXPECT_TRUE(context->remote);
    EXPECT_TRUE(context->valid());
}

TEST(TraceParent, FormatsWhatItParsesByteForByte) {
    auto context = parse_traceparent(kValid);
    ASSERT_TRUE(context);
    EXPECT_EQ(format_traceparent(*context), kValid);
    context->flags = 0;
    EXPECT_EQ(format_traceparent(*context), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(TraceParent, RejectsWrongLengths) {
    EXPECT_EQ(rejection_code(""), "tracing.traceparent.length");
    EXPECT_EQ(rejection_code(kValid.substr(0, 54)), "tracing.traceparent.length");
    EXPECT_EQ(rejection_code(std::string(kValid) + "0"), "tracing.traceparent.length");
    EXPECT_EQ(rejection_code(std::string(kValid) + "-extra"), "tracing.traceparent.length");
    EXPECT_EQ(rejection_code("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"),
              "tracing.traceparent.length");
}

TEST(TraceParent, RejectsNonHexAndUppercaseDigits) {
    EXPECT_EQ(rejection_code("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
              "tracing.traceparent.trace_id");
    EXPECT_EQ(rejection_code("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"),
              "tracing.traceparent.trace_id");
    EXPECT_EQ(rejection_code("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01"),
              "tracing.traceparent.span_id");
    EXPECT_EQ(rejection_code("0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
              "tracing.traceparent.version");
}

TEST(TraceParent, RejectsAllZeroIds) {
    EXPECT_EQ(rejection_code("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
              "tracing.traceparent.trace_id");
    EXPECT_EQ(rejection_code("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
              "tracing.traceparent.span_id");
}

TEST(TraceParent, RejectsVersionFf) {
    EXPECT_EQ(rejection_code("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
              "tracing.traceparent.version");
}

TEST(TraceParent, RejectsBadFlagsAndMissingDashes) {
    EXPECT_EQ(rejection_code("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"),
              "tracing.traceparent.flags");
    EXPECT_EQ(rejection_code("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-AB"),
              "tracing.traceparent.flags");
    EXPECT_EQ(rejection_code("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
              "tracing.traceparent.format");
    EXPECT_EQ(rejection_code("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"),
              "tracing.traceparent.format");
}

TEST(TraceParent, ReadsAHigherVersionAsFarAsVersion00DefinesIt) {
    auto longer = parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future");
    ASSERT_TRUE(longer) << longer.error().message;
    EXPECT_EQ(longer->span_id.hex(), "00f067aa0ba902b7");
    EXPECT_EQ(rejection_code("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"),
              "tracing.traceparent.format");
}

TEST(TraceParent, RejectionMessagesSayANewTraceStarts) {
    auto parsed = parse_traceparent("garbage");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().kind, ErrorKind::poison);
    EXPECT_NE(parsed.error().message.find("starting a new trace"), std::string::npos);
}

TEST(TraceState, KeepsAValidListAndDropsEmptyMembers) {
    EXPECT_EQ(parse_tracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"),
              "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    EXPECT_EQ(parse_tracestate("a=1,,b=2, "), "a=1,b=2");
    EXPECT_EQ(parse_tracestate("tenant@vendor=x"), "tenant@vendor=x");
}

TEST(TraceState, DiscardsInvalidListsWhole) {
    EXPECT_FALSE(parse_tracestate("Upper=1"));
    EXPECT_FALSE(parse_tracestate("a=1,a=2"));
    EXPECT_FALSE(parse_tracestate("novalue"));
    EXPECT_FALSE(parse_tracestate("a=b=c"));
    std::string many;
    for (int i = 0; i < 33; ++i) many += "k" + std::to_string(i) + "=v,";
    EXPECT_FALSE(parse_tracestate(many));
}

TEST(TraceState, AnInvalidTraceStateDoesNotInvalidateTheTraceParent) {
    auto context = parse_traceparent(kValid, "BAD STATE");
    ASSERT_TRUE(context);
    EXPECT_TRUE(context->trace_state.empty());
}

TEST(Inject, WritesExactlyOneTraceParentEvenWhenTheMessageAlreadyHadSeveral) {
    Headers headers;
    headers.add("traceparent", "00-11111111111111111111111111111111-1111111111111111-01");
    headers.add("ce_id", "x");
    headers.add("traceparent", "00-22222222222222222222222222222222-2222222222222222-01");
    headers.add("tracestate", "old=1");
    auto context = parse_traceparent(kValid);
    ASSERT_TRUE(context);
    inject(*context, headers);
    EXPECT_EQ(headers.get_all("traceparent").size(), 1u);
    EXPECT_EQ(headers.get("traceparent"), kValid);
    EXPECT_FALSE(headers.contains("tracestate")) << "a stale tracestate must not pair with a new parent";
    EXPECT_EQ(headers.get("ce_id"), "x");
}

TEST(Inject, CarriesTraceStateAndRoundTripsThroughExtract) {
    auto context = parse_traceparent(kValid, "vendor=abc");
    ASSERT_TRUE(context);
    Headers headers;
    inject(*context, headers);
    auto back = extract(headers);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *context);
}

TEST(Extract, SaysWhyThereIsNoContext) {
    Headers none;
    EXPECT_EQ(extract(none).error().code, "tracing.traceparent.missing");
    Headers bad{{"traceparent", "00-xyz"}};
    EXPECT_EQ(extract(bad).error().code, "tracing.traceparent.length");
}

TEST(Extract, RefusesTwoDifferentTraceParentsButAcceptsARepeatedOne) {
    Headers two{{"traceparent", std::string(kValid)},
                {"traceparent", "00-22222222222222222222222222222222-2222222222222222-01"}};
    EXPECT_EQ(extract(two).error().code, "tracing.traceparent.ambiguous");
    Headers same{{"traceparent", std::string(kValid)}, {"traceparent", std::string(kValid)}};
    EXPECT_TRUE(extract(same));
}

TEST(Extract, JoinsSeveralTraceStateHeaders) {
    Headers headers{{"traceparent", std::string(kValid)}, {"tracestate", "a=1"}, {"tracestate", "b=2"}};
    auto context = extract(headers);
    ASSERT_TRUE(context);
    EXPECT_EQ(context->trace_state, "a=1,b=2");
}

TEST(SpanIds, AreRandomValidAndLowercaseHex) {
    auto a = new_trace_id(), b = new_trace_id();
    EXPECT_TRUE(a.valid());
    EXPECT_NE(a, b);
    TraceId parsed;
    EXPECT_TRUE(parse_hex(a.hex(), parsed));
    EXPECT_EQ(parsed, a);
    auto s = new_span_id();
    EXPECT_EQ(s.hex().size(), 16u);
    EXPECT_EQ(s.hex().find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace courier::tracing
