#pragma once
// Standard base64 (RFC 4648, with padding) for header bytes that json text cannot hold.

#include <optional>
#include <string>
#include <string_view>

namespace courier::outbox::detail {

std::string base64_encode(std::string_view bytes);
/// std::nullopt when `text` is not padded base64 of the standard alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace courier::outbox::detail
