#include "courier/http/response.hpp"

#include <cstdint>

#include "courier/http/http_error.hpp"
#include "courier/http/json.hpp"
#include "courier/http/request.hpp"
#include "utf8.hpp"

namespace courier::http {

namespace detail {

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    std::size_t i = 0;
    while (i < text.size()) {
        unsigned char lead = byte(i);
        std::size_t length = 0;
        uint32_t min = 0;
        uint32_t code = 0;
        if (lead < 0x80) {
            out += static_cast<char>(lead);
            ++i;
            continue;
        }
        if ((lead & 0xe0) == 0xc0) {
            length = 2, min = 0x80, code = lead & 0x1f;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3, min = 0x800, code = lead & 0x0f;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4, min = 0x10000, code = lead & 0x07;
        }
        bool ok = length != 0 && i + length <= text.size();
        for (std::size_t k = 1; ok && k < length; ++k) {
            if ((byte(i + k) & 0xc0) != 0x80) ok = false;
            code = code << 6 | (byte(i + k) & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
        if (ok && (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) ok = false;
        if (ok) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out.append("\xef\xbf\xbd");
            ++i;
        }
    }
    return out;
}

}  // namespace detail

Response Response::json(int status, std::string body) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

Response Response::text(int status, std::string body) {
    Response response;
    response.status = status;
    response.body = std::move(body);
    response.content_type = "text/plain; charset=utf-8";
    return response;
}

Response Response::error(int status, std::string_view code, std::string_view message) {
    JsonWriter writer;
    writer.begin_object().key("error").begin_object();
    writer.key("code").string(detail::valid_utf8(code));
    writer.key("message").string(detail::valid_utf8(message));
    writer.end_object().end_object();
    return json(status, writer.str());
}

std::optional<std::string> Response::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    if (iequals(name, "Content-Type") && !content_type.empty()) return content_type;
    return std::nullopt;
}

HttpError::HttpError(int status, std::string code, std::string message)
    : std::runtime_error(std::move(message)), status_(status), code_(std::move(code)) {}

Response HttpError::to_response() const { return Response::error(status_, code_, what()); }

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Entity";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

}  // namespace courier::http
