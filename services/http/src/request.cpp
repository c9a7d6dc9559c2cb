#include "courier/http/request.hpp"

#include "courier/http/http_error.hpp"

namespace courier::http {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::optional<std::string> Request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int high = hex_value(text[i + 1]);
            int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

void parse_target(Request& request) {
    std::string_view target = request.target;
    if (target.empty() || target.front() != '/') {
        throw HttpError(400, "bad_request",
                        "request target must start with '/': '" + std::string(target) + "'");
    }
    std::size_t question = target.find('?');
    std::string_view raw_path = target.substr(0, question);
    // A fragment never reaches a server, but be tolerant of one in the query.
    std::string_view raw_query =
        question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    raw_query = raw_query.substr(0, raw_query.find('#'));

    auto path = percent_decode(raw_path);
    if (!path)
        throw HttpError(400, "bad_request",
                        "malformed percent escape in path '" + std::string(raw_path) + "'");
    request.path = std::move(*path);

    request.query.clear();
    while (!raw_query.empty()) {
        std::size_t amp = raw_query.find('&');
        std::string_view pair = raw_query.substr(0, amp);
        raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
        if (pair.empty()) continue;
        std::size_t eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value =
            percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!name || !value) {
            throw HttpError(400, "bad_request",
                            "malformed percent escape in query '" + std::string(pair) + "'");
        }
        request.query[std::move(*name)] = std::move(*value);
    }
}

}  // namespace courier::http
