#pragma once

#include <optional>
#include <string_view>

namespace courier::saga {

/// Where an instance is. completed, compensated and failed_needs_attention are final: nothing
/// moves them on its own (no deadline), and late replies are only recorded.
enum class SagaStatus { running, compensating, completed, compensated, failed_needs_attention };

/// The name stored in the database: "running", "compensating", ...
std::string_view to_string(SagaStatus status) noexcept;
/// The status named `text`, or std::nullopt.
std::optional<SagaStatus> parse_status(std::string_view text) noexcept;
/// True for completed, compensated and failed_needs_attention.
bool is_final(SagaStatus status) noexcept;

}  // namespace courier::saga
