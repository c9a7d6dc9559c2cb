#include "courier/core/errors.hpp"

namespace courier {

std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::transient:
            return "transient";
        case ErrorKind::permanent:
            return "permanent";
        case ErrorKind::poison:
            return "poison";
    }
    return "unknown";
}

std::string Error::describe() const { return code.empty() ? message : code + ": " + message; }

namespace {
std::string with_hint(const std::string& message, const std::string& hint) {
    return hint.empty() ? message : message + " (hint: " + hint + ")";
}
}  // namespace

CourierError::CourierError(ErrorKind kind, std::string message, std::string hint)
    : std::runtime_error(with_hint(message, hint)),
      kind_(kind),
      message_(std::move(message)),
      hint_(std::move(hint)) {}

CourierError::CourierError(const Error& error, std::string hint)
    : CourierError(error.kind, error.describe(), std::move(hint)) {}

}  // namespace courier
