#pragma once
// Identity of a span as W3C Trace Context and OTLP see it: a 16-byte trace id, an 8-byte span id,
// trace flags and the vendor-specific tracestate.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace courier::tracing {

/// A 16-byte trace id. All zeroes is the invalid id.
struct TraceId {
    std::array<uint8_t, 16> bytes{};
    bool valid() const noexcept;
    /// 32 lowercase hex characters.
    std::string hex() const;
    bool operator==(const TraceId&) const = default;
};

/// An 8-byte span id. All zeroes is the invalid id.
struct SpanId {
    std::array<uint8_t, 8> bytes{};
    bool valid() const noexcept;
    /// 16 lowercase hex characters.
    std::string hex() const;
    bool operator==(const SpanId&) const = default;
};

/// W3C trace-flags bit 0: the caller may have recorded this trace.
inline constexpr uint8_t kSampledFlag = 0x01;

/// What crosses process boundaries: immutable once made. Cheap to copy apart from tracestate.
struct SpanContext {
    TraceId trace_id;
    SpanId span_id;
    uint8_t flags = 0;
    std::string trace_state;  ///< W3C tracestate, already validated; empty when none
    bool remote = false;      ///< extracted from a message or request rather than made here

    /// Both ids valid (non-zero). An invalid context means "no parent": start a new trace.
    bool valid() const noexcept { return trace_id.valid() && span_id.valid(); }
    bool sampled() const noexcept { return (flags & kSampledFlag) != 0; }
    bool operator==(const SpanContext&) const = default;
};

/// Random, valid ids from a per-thread generator seeded from std::random_device. Thread-safe,
/// lock-free, never blocks.
TraceId new_trace_id() noexcept;
SpanId new_span_id() noexcept;

/// Parses exactly 32 / 16 lowercase hex characters; false (and `out` untouched) on anything else.
/// Does not check for all-zero ids (see valid()).
bool parse_hex(std::string_view text, TraceId& out) noexcept;
bool parse_hex(std::string_view text, SpanId& out) noexcept;

}  // namespace courier::tracing
