#include "courier/tracing/sampler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "courier/core/errors.hpp"

namespace courier::tracing {

namespace {

class AlwaysOn final : public Sampler {
public:
    bool should_sample(const SpanContext&, const TraceId&, std::string_view, SpanKind) const override {
        return true;
    }
    std::string description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOff final : public Sampler {
public:
    bool should_sample(const SpanContext&, const TraceId&, std::string_view, SpanKind) const override {
        return false;
    }
    std::string description() const override { return "AlwaysOffSampler"; }
};

class TraceIdRatio final : public Sampler {
public:
    explicit TraceIdRatio(double ratio) : ratio_(std::clamp(std::isnan(ratio) ? 0.0 : ratio, 0.0, 1.0)) {
        // The low 63 bits of the trace id's last 8 bytes against ratio * 2^63, as the Go and Java
        // SDKs compare, so every process with the same ratio makes the same decision.
        bound_ = ratio_ >= 1.0 ? UINT64_MAX : static_cast<uint64_t>(ratio_ * 9223372036854775808.0);
    }
    bool should_sample(const SpanContext&, const TraceId& trace_id, std::string_view,
                       SpanKind) const override {
        if (ratio_ >= 1.0) return true;
        uint64_t x = 0;
        for (std::size_t i = 8; i < 16; ++i) x = x << 8 | trace_id.bytes[i];
        return (x >> 1) < bound_;
    }
    std::string description() const override {
        char text[64];
        std::snprintf(text, sizeof text, "TraceIdRatioBased{%f}", ratio_);
        return text;
    }

private:
    double ratio_;
    uint64_t bound_ = 0;
};

class ParentBased final : public Sampler {
public:
    explicit ParentBased(std::shared_ptr<const Sampler> root) : root_(std::move(root)) {}
    bool should_sample(const SpanContext& parent, const TraceId& trace_id, std::string_view name,
                       SpanKind kind) const override {
        if (parent.valid()) return parent.sampled();
        return root_->should_sample(parent, trace_id, name, kind);
    }
    std::string description() const override { return "ParentBased{root=" + root_->description() + "}"; }

private:
    std::shared_ptr<const Sampler> root_;
};

double parse_ratio(std::string_view text) {
    if (text.empty()) return 1.0;
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !(value >= 0.0 && value <= 1.0)) {
        throw ConfigError(
            "OTEL_TRACES_SAMPLER_ARG='" + std::string(text) + "' is not a ratio between 0 and 1",
            "e.g. OTEL_TRACES_SAMPLER_ARG=0.25");
    }
    return value;
}

}  // namespace

std::shared_ptr<const Sampler> always_on() { return std::make_shared<AlwaysOn>(); }
std::shared_ptr<const Sampler> always_off() { return std::make_shared<AlwaysOff>(); }
std::shared_ptr<const Sampler> trace_id_ratio(double ratio) { return std::make_shared<TraceIdRatio>(ratio); }
std::shared_ptr<const Sampler> parent_based(std::shared_ptr<const Sampler> root) {
    return std::make_shared<ParentBased>(root ? std::move(root) : always_on());
}

std::shared_ptr<const Sampler> make_sampler(std::string_view name, std::string_view argument) {
    if (name.empty() || name == "parentbased_always_on") return parent_based(always_on());
    if (name == "always_on") return always_on();
    if (name == "always_off") return always_off();
    if (name == "traceidratio") return trace_id_ratio(parse_ratio(argument));
    if (name == "parentbased_always_off") return parent_based(always_off());
    if (name == "parentbased_traceidratio") return parent_based(trace_id_ratio(parse_ratio(argument)));
    throw ConfigError(
        "unknown sampler OTEL_TRACES_SAMPLER='" + std::string(name) + "'",
        "use always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or "
        "parentbased_traceidratio");
}

}  // namespace courier::tracing
