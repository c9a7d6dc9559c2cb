#pragma once
// A handler's answer, and the exception handlers throw for client mistakes.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courier::http {

/// What a handler returns. The server adds Content-Length, Connection and Date itself; a 204 or 304
/// is sent without a body or Content-Type.
struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (client: all received)

    static Response json(int status, std::string body);
    /// text/plain; charset=utf-8
    static Response text(int status, std::string body);
    /// {"error": {"code": code, "message": message}} with the given status. Invalid UTF-8 in the
    /// message is replaced by U+FFFD so the body is always valid JSON.
    static Response error(int status, std::string_view code, std::string_view message);

    /// The first header of that name in `headers` (case-insensitive); "Content-Type" also answers
    /// from `content_type` when no such header is listed.
    std::optional<std::string> header(std::string_view name) const;
};

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

/// The standard reason phrase ("Not Found"), or "Unknown" for a status it does not know.
std::string_view reason_phrase(int status) noexcept;

}  // namespace courier::http
