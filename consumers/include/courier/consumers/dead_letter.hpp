#pragma once
// Dead-letter copies: the original key, payload and headers plus provenance headers
// (DESIGN.md §6; the names follow Spring Kafka's DeadLetterPublishingRecoverer in spirit).

#include <chrono>
#include <string>
#include <string_view>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::consumers::dlq {

inline constexpr std::string_view kReason = "courier-dlq-reason";
inline constexpr std::string_view kError = "courier-dlq-error";
inline constexpr std::string_view kErrorKind = "courier-dlq-error-kind";
inline constexpr std::string_view kOriginalTopic = "courier-dlq-original-topic";
inline constexpr std::string_view kOriginalPartition = "courier-dlq-original-partition";
inline constexpr std::string_view kOriginalOffset = "courier-dlq-original-offset";
inline constexpr std::string_view kOriginalTimestamp = "courier-dlq-original-timestamp";
inline constexpr std::string_view kGroup = "courier-dlq-group";
inline constexpr std::string_view kHandler = "courier-dlq-handler";
inline constexpr std::string_view kAttempts = "courier-dlq-attempts";
inline constexpr std::string_view kFailedAt = "courier-dlq-failed-at";
/// Set on copies that `courier dlq redrive` put back; ce_id is kept so inboxes dedupe.
inline constexpr std::string_view kRedriveId = "courier-redrive-id";

/// Reasons a message is dead-lettered.
inline constexpr std::string_view kReasonPoison = "poison";
inline constexpr std::string_view kReasonRetriesExhausted = "retries-exhausted";
inline constexpr std::string_view kReasonStuck = "stuck";

/// `<topic>.dlq`
std::string topic_for(std::string_view topic);

struct Provenance {
    std::string reason;
    Error error;
    std::string group;
    std::string handler;
    int attempts = 1;
    std::chrono::system_clock::time_point failed_at;
};

/// The dead-letter copy of a consumed message: same key, payload and headers, provenance
/// headers set once each (a message dead-lettered again carries only its latest provenance).
Message make_copy(const Message& original, const Provenance& provenance);

/// True for the courier-dlq-* provenance headers (not courier-redrive-id).
bool is_provenance_header(std::string_view name) noexcept;

}  // namespace courier::consumers::dlq
