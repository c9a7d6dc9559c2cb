#pragma once
// Statement parameters. Values always travel separately from the SQL text ($1, $2, ...), so no
// value can change what a statement does: there is no API here for splicing values into SQL.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courier::pg {

/// Raw bytes for a bytea column or parameter (courier keeps bytes in std::string, like Message).
struct Bytea {
    std::string bytes;
    bool operator==(const Bytea&) const = default;
};

/// One parameter value: text (strings, numbers, booleans in PostgreSQL's text form), raw bytes
/// for bytea (sent in binary), or NULL (std::nullopt, or an empty std::optional). The value is
/// copied, so a Param never dangles. The server infers each parameter's type from the statement;
/// add a cast ($1::bigint) where it cannot.
class Param {
public:
    Param(std::nullopt_t) noexcept {}
    Param(std::string_view text) : value_(std::in_place, text) {}
    Param(const std::string& text) : value_(text) {}
    Param(std::string&& text) noexcept : value_(std::move(text)) {}
    /// A null pointer is NULL.
    Param(const char* text) {
        if (text != nullptr) value_.emplace(text);
    }
    Param(bool value) : value_(value ? "t" : "f") {}
    template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>) Param(I value)
        : value_(std::to_string(value)) {}
    Param(double value);
    Param(Bytea value) noexcept : value_(std::move(value.bytes)), binary_(true) {}
    template <typename T>
    Param(const std::optional<T>& value) {
        if (value) *this = Param(*value);
    }

    bool is_null() const noexcept { return !value_.has_value(); }
    /// True for bytea values, which are sent in binary format.
    bool is_binary() const noexcept { return binary_; }
    /// The text (or bytes) sent to the server. Precondition: !is_null().
    const std::string& value() const { return *value_; }

private:
    std::optional<std::string> value_;
    bool binary_ = false;
};

/// The parameters of one statement, $1 first: `conn.exec(sql, {name, 42, std::nullopt})`.
using Params = std::vector<Param>;

}  // namespace courier::pg
