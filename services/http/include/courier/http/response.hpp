#pragma once
// A handler's answer.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courier::http {

/// What a handler returns. The server sets Content-Length, Connection and Server itself (such
/// entries in `headers` are ignored); a 204 or 304 is sent without a body or Content-Type.
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

/// The standard reason phrase ("Not Found"), or "Unknown" for a status it does not know.
std::string_view reason_phrase(int status) noexcept;

}  // namespace courier::http
