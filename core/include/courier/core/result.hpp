#pragma once
// Result<T>: the error channel of hot loops and handlers (STYLE.md, Errors).
// GCC 12 has no std::expected in C++20 mode; this keeps its API shape so the switch later is
// a rename.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace courier {

/// How a failure should be treated by whoever sees it.
enum class ErrorKind {
    transient,  ///< May succeed if retried later (database down, broker timeout): retry, pause.
    permanent,  ///< Will fail again the same way; retry a bounded number of times, then dead-letter.
    poison,     ///< The input itself is bad (unparsable, invalid, unknown type): dead-letter at once.
};

std::string_view to_string(ErrorKind kind) noexcept;

/// An error value: its kind, a short machine-readable code and a human message with context.
struct Error {
    ErrorKind kind = ErrorKind::permanent;
    std::string code;     ///< e.g. "kafka.msg_size_too_large", "pg.40001", "schema.invalid"
    std::string message;  ///< what was wrong, where, and what to do

    static Error transient(std::string code, std::string message) {
        return {ErrorKind::transient, std::move(code), std::move(message)};
    }
    static Error permanent(std::string code, std::string message) {
        return {ErrorKind::permanent, std::move(code), std::move(message)};
    }
    static Error poison(std::string code, std::string message) {
        return {ErrorKind::poison, std::move(code), std::move(message)};
    }
    bool retriable() const noexcept { return kind == ErrorKind::transient; }
    /// "code: message" — the one-line form used in logs and dead-letter headers.
    std::string describe() const;
};

/// Tag wrapper so Result<Error-like T> stays unambiguous, as std::unexpected does.
struct Unexpected {
    Error error;
};
inline Unexpected unexpected(Error e) { return Unexpected{std::move(e)}; }

/// A value or an Error. Accessing the wrong alternative is a programming error (asserted).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Unexpected u) : state_(std::in_place_index<1>, std::move(u.error)) {}
    Result(Error e) : state_(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(state_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const& {
        assert(!has_value());
        return std::get<1>(state_);
    }
    Error&& error() && {
        assert(!has_value());
        return std::get<1>(std::move(state_));
    }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}
    Result(Error e) : error_(std::move(e)), ok_(false) {}

    bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    void value() const { assert(ok_); }
    const Error& error() const& {
        assert(!ok_);
        return error_;
    }
    Error&& error() && {
        assert(!ok_);
        return std::move(error_);
    }

private:
    Error error_;
    bool ok_ = true;
};

}  // namespace courier
