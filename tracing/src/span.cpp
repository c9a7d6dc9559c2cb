#include "courier/tracing/span.hpp"

#include <vector>

namespace courier::tracing {

namespace {

// OTel's default span limits: enough for messaging spans, bounded against runaway loops.
constexpr std::size_t kMaxAttributes = 128;
constexpr std::size_t kMaxEvents = 128;
constexpr std::size_t kMaxLinks = 128;

std::vector<SpanContext>& active_stack() {
    thread_local std::vector<SpanContext> stack;
    return stack;
}

}  // namespace

std::string_view to_string(SpanKind kind) noexcept {
    switch (kind) {
        case SpanKind::internal:
            return "INTERNAL";
        case SpanKind::server:
            return "SERVER";
        case SpanKind::client:
            return "CLIENT";
        case SpanKind::producer:
            return "PRODUCER";
        case SpanKind::consumer:
            return "CONSUMER";
    }
    return "UNSPECIFIED";
}

std::string_view to_string(StatusCode code) noexcept {
    switch (code) {
        case StatusCode::unset:
            return "UNSET";
        case StatusCode::ok:
            return "OK";
        case StatusCode::error:
            return "ERROR";
    }
    return "UNSET";
}

Attribute* Attributes::find_slot(std::string_view key) noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
        if (items_[i].key == key) return &items_[i];
    }
    return nullptr;
}

Attribute& Attributes::next_slot() {
    if (size_ == items_.size()) items_.push_back({AttributeKey::constant({}), AttributeValue(int64_t{0})});
    return items_[size_++];
}

void Attributes::set(std::string_view key, AttributeValue value) {
    if (auto* slot = find_slot(key)) {
        slot->value = std::move(value);
        return;
    }
    auto& slot = next_slot();
    slot.key = AttributeKey(key);
    slot.value = std::move(value);
}

void Attributes::set(AttributeKey key, AttributeValue value) {
    if (auto* slot = find_slot(key.view())) {
        slot->value = std::move(value);
        return;
    }
    auto& slot = next_slot();
    slot.key = std::move(key);
    slot.value = std::move(value);
}

void Attributes::set(AttributeKey key, std::string_view value) {
    auto* slot = find_slot(key.view());
    if (slot == nullptr) {
        slot = &next_slot();
        slot->key = std::move(key);
    }
    if (auto* text = std::get_if<std::string>(&slot->value)) {
        text->assign(value);  // reuses the buffer of a recycled entry
    } else {
        slot->value = std::string(value);
    }
}

const AttributeValue* Attributes::find(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
        if (items_[i].key == key) return &items_[i].value;
    }
    return nullptr;
}

void SpanData::clear() noexcept {
    scope = nullptr;
    name.clear();
    context = SpanContext{};
    parent_span_id = SpanId{};
    parent_is_remote = false;
    kind = SpanKind::internal;
    start_unix_nano = end_unix_nano = 0;
    attributes.clear();
    events.clear();
    links.clear();
    status = StatusCode::unset;
    status_message.clear();
    dropped_attributes = dropped_events = dropped_links = 0;
}

uint64_t unix_nanos(std::chrono::system_clock::time_point time) noexcept {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count());
}

Span::Span(SpanData&& data, std::shared_ptr<SpanProcessor> processor)
    : data_(std::move(data)), processor_(std::move(processor)) {}

Span::~Span() { end(); }

Span::Span(Span&& other) noexcept
    : context_(std::move(other.context_)),
      data_(std::move(other.data_)),
      processor_(std::move(other.processor_)) {
    other.data_.reset();  // a moved-from optional stays engaged
}

Span& Span::operator=(Span&& other) noexcept {
    if (this != &other) {
        end();
        context_ = std::move(other.context_);
        data_ = std::move(other.data_);
        processor_ = std::move(other.processor_);
        other.data_.reset();
    }
    return *this;
}

void Span::set_attribute(std::string_view key, AttributeValue value) {
    if (!data_) return;
    if (data_->attributes.size() >= kMaxAttributes && data_->attributes.find(key) == nullptr) {
        ++data_->dropped_attributes;
        return;
    }
    data_->attributes.set(key, std::move(value));
}

void Span::set_attribute(std::string_view key, std::string_view value) {
    if (!data_) return;
    set_attribute(key, AttributeValue(std::string(value)));
}

void Span::set_attribute(AttributeKey key, AttributeValue value) {
    if (!data_) return;
    if (data_->attributes.size() >= kMaxAttributes && data_->attributes.find(key.view()) == nullptr) {
        ++data_->dropped_attributes;
        return;
    }
    data_->attributes.set(std::move(key), std::move(value));
}

void Span::set_attribute(AttributeKey key, std::string_view value) {
    if (!data_) return;
    if (data_->attributes.size() >= kMaxAttributes && data_->attributes.find(key.view()) == nullptr) {
        ++data_->dropped_attributes;
        return;
    }
    data_->attributes.set(std::move(key), value);
}

void Span::add_event(std::string_view name, Attributes attributes) {
    if (!data_) return;
    if (data_->events.size() >= kMaxEvents) {
        ++data_->dropped_events;
        return;
    }
    data_->events.push_back(
        {std::string(name), unix_nanos(std::chrono::system_clock::now()), std::move(attributes)});
}

void Span::add_link(const SpanContext& context, Attributes attributes) {
    if (!data_ || !context.valid()) return;
    if (data_->links.size() >= kMaxLinks) {
        ++data_->dropped_links;
        return;
    }
    data_->links.push_back({context, std::move(attributes)});
}

void Span::set_status(StatusCode code, std::string_view message) {
    if (!data_ || code == StatusCode::unset) return;
    if (data_->status == StatusCode::ok) return;  // final, per the OTel API
    data_->status = code;
    data_->status_message = code == StatusCode::error ? std::string(message) : std::string();
}

void Span::update_name(std::string_view name) {
    if (data_) data_->name.assign(name);
}

void Span::end() { end(std::chrono::system_clock::now()); }

void Span::end(std::chrono::system_clock::time_point end_time) {
    if (!data_) return;
    // Keep the context: a caller may still read it (e.g. to log the trace id) after end().
    context_ = data_->context;
    data_->end_unix_nano = std::max(unix_nanos(end_time), data_->start_unix_nano);
    if (processor_) processor_->on_end(std::move(*data_));
    data_.reset();
    processor_.reset();
}

Scope::Scope(const SpanContext& context) { active_stack().push_back(context); }

Scope::~Scope() {
    if (!active_) return;
    auto& stack = active_stack();
    if (!stack.empty()) stack.pop_back();
}

SpanContext current_context() {
    const auto& stack = active_stack();
    return stack.empty() ? SpanContext{} : stack.back();
}

}  // namespace courier::tracing
