#pragma once
// A span being recorded, and the thread's active context (what new spans and injections use as
// their parent when none is given).

#include <chrono>
#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "courier/tracing/span_data.hpp"
#include "courier/tracing/span_processor.hpp"

namespace courier::tracing {

/// A handle to one span. Move-only; ends the span when destroyed if end() was not called. A span
/// that is not recording (sampled out, tracing off, or default-constructed) still has a context
/// to propagate, and every setter is a cheap no-op. Not thread-safe: one thread at a time owns a
/// Span (it may move to another thread, e.g. into a delivery callback).
class Span {
public:
    /// A non-recording span with an invalid context.
    Span() = default;
    /// A non-recording span that only carries `context` (e.g. to pass a parent through).
    explicit Span(SpanContext context) : context_(std::move(context)) {}
    /// Used by Tracer: records into `data`, handed to `processor` at end().
    Span(SpanData&& data, std::shared_ptr<SpanProcessor> processor);
    ~Span();
    Span(Span&& other) noexcept;
    Span& operator=(Span&& other) noexcept;
    Span(const Span&) = delete;
    Span& operator=(const Span&) = delete;

    const SpanContext& context() const noexcept { return data_ ? data_->context : context_; }
    bool is_recording() const noexcept { return data_.has_value(); }

    /// Sets or replaces an attribute (string, integer, double or bool).
    void set_attribute(std::string_view key, AttributeValue value);
    void set_attribute(std::string_view key, std::string_view value);
    void set_attribute(std::string_view key, const std::string& value) {
        set_attribute(key, std::string_view(value));
    }
    void set_attribute(std::string_view key, const char* value) {
        set_attribute(key, std::string_view(value));
    }
    template <std::integral T>
    requires(!std::same_as<T, bool>) void set_attribute(std::string_view key, T value) {
        set_attribute(key, AttributeValue(static_cast<int64_t>(value)));
    }
    /// The same with a key made by AttributeKey::constant() (no copy of the key).
    void set_attribute(AttributeKey key, AttributeValue value);
    void set_attribute(AttributeKey key, std::string_view value);
    void set_attribute(AttributeKey key, const std::string& value) {
        set_attribute(std::move(key), std::string_view(value));
    }
    /// Room for `n` attributes, so a span that sets many does not grow its vector step by step.
    void reserve_attributes(std::size_t n) {
        if (data_) data_->attributes.reserve(n);
    }
    void add_event(std::string_view name, Attributes attributes = {});
    /// Links another span (at most 128 links are kept; more are counted as dropped).
    void add_link(const SpanContext& context, Attributes attributes = {});
    /// Error status keeps its message; ok overrides error; unset never overrides.
    void set_status(StatusCode code, std::string_view message = {});
    void update_name(std::string_view name);

    /// Ends the span now (or at `end_time`) and hands it to the processor. Idempotent.
    void end();
    void end(std::chrono::system_clock::time_point end_time);

private:
    SpanContext context_;  // when not recording
    // Held in place (no allocation per span); SpanProcessor::acquire() recycles its buffers.
    std::optional<SpanData> data_;
    std::shared_ptr<SpanProcessor> processor_;
};

/// Makes `context` the calling thread's active context until destruction (scopes nest; destroy
/// them in reverse order of creation). Movable so a scope can live in a container; a moved-from
/// scope does nothing.
class Scope {
public:
    explicit Scope(const SpanContext& context);
    ~Scope();
    Scope(Scope&& other) noexcept : active_(other.active_) { other.active_ = false; }
    Scope& operator=(Scope&&) = delete;
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

private:
    bool active_ = true;
};

/// The calling thread's innermost active context, or an invalid one when no Scope is open.
SpanContext current_context();

/// Nanoseconds since the Unix epoch.
uint64_t unix_nanos(std::chrono::system_clock::time_point time) noexcept;

}  // namespace courier::tracing
