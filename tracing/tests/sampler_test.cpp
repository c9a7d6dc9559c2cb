#include "courier/tracing/sampler.hpp"

#include <gtest/gtest.h>

#include "courier/core/errors.hpp"

namespace courier::tracing {
namespace {

SpanContext parent(bool sampled) {
    SpanContext context{
        new_trace_id(), new_span_id(), static_cast<uint8_t>(sampled ? kSampledFlag : 0), {}, true};
    return context;
}

TEST(Sampler, AlwaysOnAndAlwaysOffIgnoreTheParent) {
    EXPECT_TRUE(always_on()->should_sample(parent(false), new_trace_id(), "x", SpanKind::internal));
    EXPECT_FALSE(always_off()->should_sample(parent(true), new_trace_id(), "x", SpanKind::internal));
}

TEST(Sampler, ParentBasedFollowsTheParentsFlagAndAsksTheRootOtherwise) {
    auto sampler = parent_based(always_off());
    EXPECT_TRUE(sampler->should_sample(parent(true), new_trace_id(), "x", SpanKind::consumer));
    EXPECT_FALSE(sampler->should_sample(parent(false), new_trace_id(), "x", SpanKind::consumer));
    EXPECT_FALSE(sampler->should_sample(SpanContext{}, new_trace_id(), "x", SpanKind::consumer));
    EXPECT_TRUE(
        parent_based(always_on())->should_sample(SpanContext{}, new_trace_id(), "x", SpanKind::server));
}

TEST(Sampler, TraceIdRatioSamplesAboutTheRatioAndDecidesTheSameForTheSameTraceId) {
    auto sampler = trace_id_ratio(0.25);
    int sampled = 0;
    constexpr int kTrials = 20000;
    for (int i = 0; i < kTrials; ++i) {
        auto id = new_trace_id();
        bool first = sampler->should_sample(SpanContext{}, id, "x", SpanKind::internal);
        EXPECT_EQ(first, trace_id_ratio(0.25)->should_sample(SpanContext{}, id, "y", SpanKind::producer));
        sampled += first;
    }
    EXPECT_NEAR(static_cast<double>(sampled) / kTrials, 0.25, 0.02);
    EXPECT_FALSE(trace_id_ratio(0.0)->should_sample(SpanContext{}, new_trace_id(), "x", SpanKind::internal));
    EXPECT_TRUE(trace_id_ratio(1.0)->should_sample(SpanContext{}, new_trace_id(), "x", SpanKind::internal));
}

TEST(Sampler, MakeSamplerKnowsTheStandardNames) {
    EXPECT_EQ(make_sampler("")->description(), "ParentBased{root=AlwaysOnSampler}");
    EXPECT_EQ(make_sampler("always_on")->description(), "AlwaysOnSampler");
    EXPECT_EQ(make_sampler("always_off")->description(), "AlwaysOffSampler");
    EXPECT_EQ(make_sampler("traceidratio", "0.5")->description(), "TraceIdRatioBased{0.500000}");
    EXPECT_EQ(make_sampler("parentbased_always_off")->description(), "ParentBased{root=AlwaysOffSampler}");
    EXPECT_EQ(make_sampler("parentbased_traceidratio", "0.1")->description(),
              "ParentBased{root=TraceIdRatioBased{0.100000}}");
    EXPECT_EQ(make_sampler("traceidratio")->description(), "TraceIdRatioBased{1.000000}");
}

TEST(Sampler, MakeSamplerRefusesUnknownNamesAndBadRatios) {
    EXPECT_THROW(make_sampler("sometimes"), ConfigError);
    EXPECT_THROW(make_sampler("traceidratio", "1.5"), ConfigError);
    EXPECT_THROW(make_sampler("traceidratio", "half"), ConfigError);
    EXPECT_THROW(make_sampler("parentbased_traceidratio", "-0.1"), ConfigError);
}

}  // namespace
}  // namespace courier::tracing
