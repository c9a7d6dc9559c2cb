#include "courier/pg/params.hpp"

#include <charconv>

namespace courier::pg {

Param::Param(double value) {
    // Shortest text that reads back as the same double, so no precision is lost on the way.
    char buffer[64];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    value_.emplace(buffer, ec == std::errc{} ? end : buffer);
}

}  // namespace courier::pg
