#pragma once
// What a finished span records: the value exporters receive.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "courier/tracing/span_context.hpp"

namespace courier::tracing {

/// OTLP's SpanKind; the numbers are the wire values.
enum class SpanKind : int {
    internal = 1,
    server = 2,
    client = 3,
    producer = 4,
    consumer = 5,
};

/// OTLP's status code; the numbers are the wire values.
enum class StatusCode : int {
    unset = 0,
    ok = 1,
    error = 2,
};

std::string_view to_string(SpanKind kind) noexcept;
std::string_view to_string(StatusCode code) noexcept;

/// An attribute value: string, 64-bit integer, double or bool (OTLP's scalar AnyValue kinds).
using AttributeValue = std::variant<std::string, int64_t, double, bool>;

/// An attribute's name: an owned copy, or — made with constant() — a view of a string with static
/// storage duration (courier's own keys), which saves an allocation per attribute on the
/// message path.
class AttributeKey {
public:
    /// Copies `key`.
    explicit AttributeKey(std::string_view key) : owned_(key) {}
    /// Views `key`, which must outlive every copy (a string literal or a namespace-scope constant).
    static AttributeKey constant(std::string_view key) noexcept {
        AttributeKey out;
        out.constant_ = key;
        return out;
    }
    std::string_view view() const noexcept { return constant_.data() != nullptr ? constant_ : owned_; }
    bool operator==(const AttributeKey& other) const noexcept { return view() == other.view(); }
    friend bool operator==(const AttributeKey& key, std::string_view text) noexcept {
        return key.view() == text;
    }

private:
    AttributeKey() = default;
    std::string owned_;
    std::string_view constant_;
};

struct Attribute {
    AttributeKey key;
    AttributeValue value;
    bool operator==(const Attribute&) const = default;
};

/// Attributes in insertion order; keys are unique (setting a key again replaces its value).
/// clear() keeps the entries' storage, and later sets overwrite it in place, so a recycled span
/// records its attributes without allocating.
class Attributes {
public:
    /// Sets or replaces `key` (copied).
    void set(std::string_view key, AttributeValue value);
    /// Sets or replaces `key` (a constant key is not copied).
    void set(AttributeKey key, AttributeValue value);
    /// Sets or replaces `key` with a string value, reusing a cleared entry's buffer.
    void set(AttributeKey key, std::string_view value);
    /// The value of `key`, or nullptr.
    const AttributeValue* find(std::string_view key) const noexcept;
    void reserve(std::size_t n) { items_.reserve(n); }
    /// Removes every attribute; the storage stays for reuse.
    void clear() noexcept { size_ = 0; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(size_); }
    bool operator==(const Attributes& other) const {
        return std::equal(begin(), end(), other.begin(), other.end());
    }

private:
    Attribute* find_slot(std::string_view key) noexcept;
    // The next entry to fill: a cleared one when there is one (its buffers are reused).
    Attribute& next_slot();

    std::vector<Attribute> items_;  // [0, size_) are live; the rest are cleared, kept for reuse
    std::size_t size_ = 0;
};

/// A time-stamped annotation of a span.
struct SpanEvent {
    std::string name;
    uint64_t time_unix_nano = 0;
    Attributes attributes;
};

/// A pointer to another span, e.g. a consumer span's link to the producer span of its message.
struct SpanLink {
    SpanContext context;
    Attributes attributes;
};

/// Who created spans: a library or service component, e.g. "courier.messaging".
struct InstrumentationScope {
    std::string name = "courier";
    std::string version;
};

/// A finished span.
struct SpanData {
    /// Interned for the life of the process by TracerProvider::tracer(); nullptr = "courier".
    const InstrumentationScope* scope = nullptr;
    std::string name;
    SpanContext context;
    SpanId parent_span_id;          ///< invalid (zero) for a root span
    bool parent_is_remote = false;  ///< the parent came from a message or request
    SpanKind kind = SpanKind::internal;
    uint64_t start_unix_nano = 0;
    uint64_t end_unix_nano = 0;
    Attributes attributes;
    std::vector<SpanEvent> events;
    std::vector<SpanLink> links;
    StatusCode status = StatusCode::unset;
    std::string status_message;  ///< only meaningful with StatusCode::error
    uint32_t dropped_attributes = 0;
    uint32_t dropped_events = 0;
    uint32_t dropped_links = 0;

    /// Back to the empty state, keeping the buffers' capacity (for recycling).
    void clear() noexcept;
};

}  // namespace courier::tracing
