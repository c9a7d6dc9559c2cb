#pragma once
// Standard base64 (RFC 4648, padded) for bytes that text formats (JSON) cannot hold.

#include <optional>
#include <string>
#include <string_view>

namespace courier {

std::string base64_encode(std::string_view bytes);

/// The bytes, or std::nullopt when `text` is not padded base64 of the standard alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace courier
