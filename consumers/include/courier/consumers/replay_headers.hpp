#pragma once
// Headers `courier replay` sets on the copies it publishes (DESIGN.md §11). The router honours
// kGroup: a copy meant for one consumer group is skipped (and committed past) by every other.

#include <string_view>

namespace courier::consumers::replay {

/// The replay run that made this copy (a UUID, stable when an interrupted replay resumes).
inline constexpr std::string_view kId = "courier-replay-id";
/// Where the original is: "<topic>/<partition>/<offset>".
inline constexpr std::string_view kSource = "courier-replay-source";
/// The one consumer group this copy is for; other groups' routers skip it.
inline constexpr std::string_view kGroup = "courier-replay-group";
/// The original ce_id, when the replay gave the copy a new one (--new-ids).
inline constexpr std::string_view kOriginalId = "courier-replay-original-id";

/// True for every courier-replay-* header (a replay of a copy replaces them all).
constexpr bool is_replay_header(std::string_view name) noexcept {
    return name.starts_with("courier-replay-");
}

}  // namespace courier::consumers::replay
