#pragma once
// Exceptions for boundaries: construction, configuration, start-up (STYLE.md, Errors).

#include <stdexcept>
#include <string>

#include "courier/core/result.hpp"

namespace courier {

/// Base of every courier exception. what() is "<message> (hint: <hint>)" when a hint exists,
/// so printing what() in main() gives the one clear line users need.
class CourierError : public std::runtime_error {
public:
    CourierError(ErrorKind kind, std::string message, std::string hint = {});
    explicit CourierError(const Error& error, std::string hint = {});

    ErrorKind kind() const noexcept { return kind_; }
    bool retriable() const noexcept { return kind_ == ErrorKind::transient; }
    const std::string& message() const noexcept { return message_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorKind kind_;
    std::string message_;
    std::string hint_;
};

/// Bad configuration or flags: fix the input and run again.
class ConfigError : public CourierError {
public:
    explicit ConfigError(std::string message, std::string hint = {})
        : CourierError(ErrorKind::permanent, std::move(message), std::move(hint)) {}
};

}  // namespace courier
