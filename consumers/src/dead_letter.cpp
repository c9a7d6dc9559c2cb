#include "courier/consumers/dead_letter.hpp"

#include "courier/core/cloud_events.hpp"

namespace courier::consumers::dlq {

std::string topic_for(std::string_view topic) { return std::string(topic) + ".dlq"; }

Message make_copy(const Message& original, const Provenance& p) {
    Message copy;
    copy.topic = topic_for(original.topic);
    copy.key = original.key;
    copy.payload = original.payload;
    copy.headers = original.headers;
    auto& h = copy.headers;
    h.set(kReason, p.reason);
    h.set(kError, p.error.describe());
    h.set(kErrorKind, std::string(to_string(p.error.kind)));
    h.set(kOriginalTopic, original.topic);
    if (original.metadata) {
        h.set(kOriginalPartition, std::to_string(original.metadata->partition));
        h.set(kOriginalOffset, std::to_string(original.metadata->offset));
        h.set(kOriginalTimestamp, std::to_string(original.metadata->timestamp_ms));
    }
    h.set(kGroup, p.group);
    h.set(kHandler, p.handler);
    h.set(kAttempts, std::to_string(p.attempts));
    h.set(kFailedAt, ce::format_time(p.failed_at));
    return copy;
}

bool is_provenance_header(std::string_view name) noexcept { return name.starts_with("courier-dlq-"); }

}  // namespace courier::consumers::dlq
