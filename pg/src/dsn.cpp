#include "courier/pg/dsn.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <memory>
#include <optional>
#include <vector>

#include "courier/core/errors.hpp"

namespace courier::pg {

namespace {

constexpr std::string_view kUnparsable = "<unparsable DSN>";

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::size_t uri_prefix_length(std::string_view dsn) {
    for (std::string_view prefix : {"postgresql://", "postgres://"}) {
        if (starts_with(dsn, prefix)) return prefix.size();
    }
    return 0;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// libpq percent-decodes URI query keywords, so "pass%77ord=x" is a password too.
std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::string redact_uri(std::string_view dsn, std::size_t prefix_length) {
    std::string out(dsn.substr(0, prefix_length));
    std::string_view rest = dsn.substr(prefix_length);

    // User info ends at the first '@' before any '/', exactly as libpq scans it.
    const std::size_t at = rest.find_first_of("@/");
    if (at != std::string_view::npos && rest[at] == '@') {
        const std::string_view userinfo = rest.substr(0, at);
        out.append(userinfo.substr(0, userinfo.find(':')));
        out.push_back('@');
        rest.remove_prefix(at + 1);
    }

    const std::size_t question = rest.find('?');
    out.append(rest.substr(0, question));
    if (question == std::string_view::npos) return out;

    std::string_view query = rest.substr(question + 1);
    std::string kept;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (percent_decode(pair.substr(0, pair.find('='))) == "password") continue;
        if (!kept.empty()) kept.push_back('&');
        kept.append(pair);
    }
    if (!kept.empty()) out.append("?").append(kept);
    return out;
}

// key = value pairs separated by whitespace; a value is 'single quoted' or a bare word, and both
// may contain backslash escapes (libpq's conninfo grammar).
std::optional<std::string> redact_key_values(std::string_view dsn) {
    std::string out;
    std::size_t i = 0;
    auto skip_space = [&] {
        while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    };
    for (;;) {
        skip_space();
        if (i == dsn.size()) return out;
        const std::size_t start = i;
        while (i < dsn.size() && dsn[i] != '=' && !std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
        const std::string_view key = dsn.substr(start, i - start);
        skip_space();
        if (key.empty() || i == dsn.size() || dsn[i] != '=') return std::nullopt;
        ++i;
        skip_space();
        if (i < dsn.size() && dsn[i] == '\'') {
            ++i;
            for (;;) {
                if (i >= dsn.size()) return std::nullopt;  // unterminated quote
                if (dsn[i] == '\\') {
                    i += 2;
                    continue;
                }
                if (dsn[i++] == '\'') break;
            }
        } else {
            while (i < dsn.size() && !std::isspace(static_cast<unsigned char>(dsn[i]))) {
                i += dsn[i] == '\\' ? 2 : 1;
            }
            i = std::min(i, dsn.size());
        }
        if (key == "password") continue;
        if (!out.empty()) out.push_back(' ');
        out.append(dsn.substr(start, i - start));
    }
}

// Quoted fragments of libpq's parse errors may be pieces of the password: drop them.
std::string without_quoted_fragments(std::string_view message) {
    std::string out;
    bool quoted = false;
    for (char c : message) {
        if (c == '"') {
            if (!quoted) out.append("\"...\"");
            quoted = !quoted;
        } else if (!quoted && c != '\n') {
            out.push_back(c);
        }
    }
    return out;
}

std::string quote_value(std::string_view value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

}  // namespace

std::string redact_dsn(std::string_view dsn) {
    if (const std::size_t prefix = uri_prefix_length(dsn); prefix > 0) return redact_uri(dsn, prefix);
    if (auto redacted = redact_key_values(dsn)) return *redacted;
    return std::string(kUnparsable);
}

std::string dsn_with_database(std::string_view dsn, std::string_view database) {
    char* error = nullptr;
    const std::string text(dsn);
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(text.c_str(), &error), &PQconninfoFree);
    if (!options) {
        std::string reason = error ? without_quoted_fragments(error) : "out of memory";
        PQfreemem(error);
        throw ConfigError("PostgreSQL DSN " + redact_dsn(dsn) + " does not parse: " + reason,
                          "use postgresql://user@host:port/database or host=... port=... dbname=...");
    }
    std::string out;
    for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val == nullptr || std::string_view(option->keyword) == "dbname") continue;
        out.append(option->keyword).append("=").append(quote_value(option->val)).append(" ");
    }
    out.append("dbname=").append(quote_value(database));
    return out;
}

}  // namespace courier::pg
