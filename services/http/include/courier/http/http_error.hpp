#pragma once
// The exception handlers throw for client mistakes.

#include <stdexcept>
#include <string>

#include "courier/http/response.hpp"

namespace courier::http {

/// Thrown by handlers (or the JSON helpers) for client mistakes; the server answers it with
/// Response::error(status(), code(), what()). `code` is a short snake_case word such as
/// "invalid_field"; what() is the message for humans.
class HttpError : public std::runtime_error {
public:
    HttpError(int status, std::string code, std::string message);

    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    /// Response::error(status(), code(), what()).
    Response to_response() const;

private:
    int status_;
    std::string code_;
};

}  // namespace courier::http
