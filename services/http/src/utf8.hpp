#pragma once
// UTF-8 repair for text that ends up in JSON bodies (error messages may quote client input).

#include <string>
#include <string_view>

namespace courier::http::detail {

/// `text` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace courier::http::detail
