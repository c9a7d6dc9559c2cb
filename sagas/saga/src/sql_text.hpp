#pragma once

#include <string>
#include <vector>

namespace courier::saga {

/// A PostgreSQL text[] literal ({"a","b"}) with quotes and backslashes escaped, for a parameter.
inline std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

}  // namespace courier::saga
