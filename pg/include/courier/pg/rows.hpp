#pragma once
// The result of one statement: RAII over libpq's PGresult, with typed getters.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "courier/pg/params.hpp"

struct pg_result;  // libpq's PGresult, kept out of public headers

namespace courier::pg {

class Row;

/// Rows (or just a command tag and a count) returned by one statement, in text format. Owns the
/// libpq result; movable, not copyable. Read-only, so several threads may read one Rows at once.
///
/// Getters take a 0-based row and a column by 0-based index or by name (PostgreSQL folds
/// unquoted names to lower case, as in SQL). A row or column that does not exist is a programming
/// error: std::out_of_range naming it. Supported types: std::string, std::string_view (valid
/// while the Rows lives), bool, any integer type, double, Bytea. get<T>() on NULL, or on text
/// that does not convert to T (or does not fit it), throws DatabaseError (permanent) naming the
/// column; get_optional<T>() returns std::nullopt for NULL instead.
class Rows {
public:
    Rows() noexcept;
    explicit Rows(pg_result* result) noexcept;  ///< takes ownership (nullptr: an empty Rows)
    Rows(Rows&&) noexcept;
    Rows& operator=(Rows&&) noexcept;
    ~Rows();

    /// Number of rows returned (0 for commands that return none).
    int size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    int column_count() const noexcept;
    std::string_view column_name(int column) const;
    /// Index of the column called `name`; std::out_of_range listing the columns if there is none.
    int column_index(std::string_view name) const;

    /// Rows touched by INSERT/UPDATE/DELETE/MERGE/SELECT/COPY/FETCH/MOVE (PQcmdTuples), else 0.
    int64_t affected_rows() const noexcept;
    /// The command tag, e.g. "INSERT 0 1", "COMMIT", "ROLLBACK".
    std::string_view command_tag() const noexcept;

    bool is_null(int row, int column) const;
    bool is_null(int row, std::string_view column) const { return is_null(row, column_index(column)); }

    template <typename T>
    T get(int row, int column) const;
    template <typename T>
    T get(int row, std::string_view column) const {
        return get<T>(row, column_index(column));
    }
    template <typename T>
    std::optional<T> get_optional(int row, int column) const {
        if (is_null(row, column)) return std::nullopt;
        return get<T>(row, column);
    }
    template <typename T>
    std::optional<T> get_optional(int row, std::string_view column) const {
        return get_optional<T>(row, column_index(column));
    }

    /// One row, for `rows[0].get<int64_t>("id")` and range-for loops.
    Row operator[](int row) const;
    class Iterator;
    Iterator begin() const noexcept;
    Iterator end() const noexcept;

    /// The libpq PGresult, for what this class does not cover. Stays owned by this Rows.
    pg_result* native_handle() const noexcept { return result_.get(); }

private:
    struct Deleter {
        void operator()(pg_result* result) const noexcept;
    };

    std::string_view text(int row, int column) const;  // checks bounds and NULL
    [[noreturn]] void throw_unconvertible(int row, int column, std::string_view type) const;
    bool parse_bool(int row, int column) const;
    int64_t parse_int64(int row, int column) const;
    uint64_t parse_uint64(int row, int column) const;
    double parse_double(int row, int column) const;
    Bytea parse_bytea(int row, int column) const;

    std::unique_ptr<pg_result, Deleter> result_;
};

/// A view of one row of a Rows; valid while the Rows lives.
class Row {
public:
    Row(const Rows& rows, int index) noexcept : rows_(&rows), index_(index) {}

    int index() const noexcept { return index_; }
    template <typename C>
    bool is_null(C column) const {
        return rows_->is_null(index_, column);
    }
    template <typename T, typename C>
    T get(C column) const {
        return rows_->template get<T>(index_, column);
    }
    template <typename T, typename C>
    std::optional<T> get_optional(C column) const {
        return rows_->template get_optional<T>(index_, column);
    }

private:
    const Rows* rows_;
    int index_;
};

class Rows::Iterator {
public:
    using value_type = Row;
    using difference_type = int;

    Iterator(const Rows& rows, int index) noexcept : rows_(&rows), index_(index) {}
    Row operator*() const noexcept { return Row(*rows_, index_); }
    Iterator& operator++() noexcept {
        ++index_;
        return *this;
    }
    bool operator==(const Iterator& other) const noexcept { return index_ == other.index_; }

private:
    const Rows* rows_;
    int index_;
};

inline Row Rows::operator[](int row) const { return Row(*this, row); }
inline Rows::Iterator Rows::begin() const noexcept { return Iterator(*this, 0); }
inline Rows::Iterator Rows::end() const noexcept { return Iterator(*this, size()); }

template <typename T>
T Rows::get(int row, int column) const {
    if constexpr (std::is_same_v<T, std::string>) {
        return std::string(text(row, column));
    } else if constexpr (std::is_same_v<T, std::string_view>) {
        return text(row, column);
    } else if constexpr (std::is_same_v<T, bool>) {
        return parse_bool(row, column);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        const int64_t value = parse_int64(row, column);
        if (!std::in_range<T>(value)) throw_unconvertible(row, column, "a smaller integer type");
        return static_cast<T>(value);
    } else if constexpr (std::is_integral_v<T>) {
        const uint64_t value = parse_uint64(row, column);
        if (!std::in_range<T>(value)) throw_unconvertible(row, column, "a smaller integer type");
        return static_cast<T>(value);
    } else if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(parse_double(row, column));
    } else if constexpr (std::is_same_v<T, Bytea>) {
        return parse_bytea(row, column);
    } else {
        static_assert(!sizeof(T*),
                      "Rows::get supports std::string, std::string_view, bool, integers, "
                      "double and Bytea");
    }
}

}  // namespace courier::pg
