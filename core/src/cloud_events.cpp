#include "courier/core/cloud_events.hpp"

#include <ctime>

#include "courier/core/ids.hpp"

namespace courier::ce {

std::string format_time(std::chrono::system_clock::time_point time) {
    using namespace std::chrono;
    auto ms = duration_cast<milliseconds>(time.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[40];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buffer;
}

Attributes stamp(Message& message, Attributes attributes) {
    if (attributes.id.empty()) attributes.id = new_uuid();
    if (attributes.time.empty()) attributes.time = format_time(std::chrono::system_clock::now());
    auto& h = message.headers;
    h.set(kSpecVersion, "1.0");
    h.set(kId, attributes.id);
    h.set(kType, attributes.type);
    h.set(kSource, attributes.source);
    h.set(kTime, attributes.time);
    h.set(kContentType, attributes.content_type);
    auto set_optional = [&h](std::string_view name, const std::string& value) {
        if (value.empty()) {
            h.remove(name);
        } else {
            h.set(name, value);
        }
    };
    set_optional(kSubject, attributes.subject);
    set_optional(kCorrelationId, attributes.correlation_id);
    set_optional(kCausationId, attributes.causation_id);
    if (!message.key && !attributes.subject.empty()) message.key = attributes.subject;
    return attributes;
}

Result<Attributes> read(const Message& message) {
    const auto& h = message.headers;
    auto where = describe_position(message);
    auto version = h.get(kSpecVersion);
    if (version && *version != "1.0") {
        return Error::poison("cloudevents.specversion", "unsupported ce_specversion '" + std::string(*version) +
                                                            "' on " + where + " (expected 1.0)");
    }
    Attributes a;
    auto text = [&h](std::string_view name) {
        auto v = h.get(name);
        return v ? std::string(*v) : std::string();
    };
    a.id = text(kId);
    a.type = text(kType);
    if (a.id.empty()) return Error::poison("cloudevents.missing_id", "message on " + where + " has no ce_id header");
    if (a.type.empty()) {
        return Error::poison("cloudevents.missing_type", "message " + a.id + " on " + where + " has no ce_type header");
    }
    a.source = text(kSource);
    a.time = text(kTime);
    a.subject = text(kSubject);
    a.correlation_id = text(kCorrelationId);
    a.causation_id = text(kCausationId);
    a.content_type = text(kContentType);
    return a;
}

Attributes caused_by(const Attributes& cause, std::string type, std::string source, std::string subject) {
    Attributes next;
    next.type = std::move(type);
    next.source = std::move(source);
    next.subject = std::move(subject);
    next.correlation_id = cause.correlation_id.empty() ? cause.id : cause.correlation_id;
    next.causation_id = cause.id;
    return next;
}

}  // namespace courier::ce
