#pragma once
// One parsed HTTP request, as handlers see it (DESIGN.md §10).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courier::http {

/// A request as the server parsed it. Plain data: copyable, no hidden state.
struct Request {
    std::string method;                         ///< "GET", "POST", ... (upper case, as sent)
    std::string target;                         ///< raw target including the query, e.g. "/a%20b?x=1"
    std::string path;                           ///< percent-decoded path without the query
    std::map<std::string, std::string> query;   ///< decoded query parameters ('+' is a space); last one wins
    std::map<std::string, std::string> params;  ///< path parameters captured by the route, e.g. {"id": "..."}
    std::string route;  ///< the matched route pattern, e.g. "/orders/{id}"; empty if none
    std::vector<std::pair<std::string, std::string>> headers;  ///< in arrival order, names as sent
    std::string body;
    std::string remote;  ///< the peer as "address:port" (empty when not from a socket)

    /// The first header of that name, compared case-insensitively; nullopt if absent.
    std::optional<std::string> header(std::string_view name) const;
};

/// Percent-decodes `text`; with `plus_is_space` a '+' becomes ' ' (query strings). Returns nullopt on
/// a malformed escape ("%zz", a trailing '%').
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

/// Fills `request.path` and `request.query` from `request.target`. Throws HttpError 400
/// "bad_request" on a malformed percent escape or a target that is not origin-form ("/...").
void parse_target(Request& request);

/// ASCII case-insensitive equality, for header names and media types.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace courier::http
