#include "courier/saga/saga_status.hpp"

#include <array>
#include <utility>

namespace courier::saga {
namespace {

constexpr std::array<std::pair<SagaStatus, std::string_view>, 5> kNames{{
    {SagaStatus::running, "running"},
    {SagaStatus::compensating, "compensating"},
    {SagaStatus::completed, "completed"},
    {SagaStatus::compensated, "compensated"},
    {SagaStatus::failed_needs_attention, "failed_needs_attention"},
}};

}  // namespace

std::string_view to_string(SagaStatus status) noexcept {
    for (const auto& [value, name] : kNames) {
        if (value == status) return name;
    }
    return "unknown";
}

std::optional<SagaStatus> parse_status(std::string_view text) noexcept {
    for (const auto& [value, name] : kNames) {
        if (name == text) return value;
    }
    return std::nullopt;
}

bool is_final(SagaStatus status) noexcept {
    return status == SagaStatus::completed || status == SagaStatus::compensated ||
           status == SagaStatus::failed_needs_attention;
}

}  // namespace courier::saga
