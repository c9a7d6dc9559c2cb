#include "courier/pg/rows.hpp"

#include <charconv>
#include <cstdlib>
#include <limits>
#include <memory>
#include <stdexcept>

#include "courier/pg/errors.hpp"
#include "libpq.hpp"

namespace courier::pg {

void Rows::Deleter::operator()(pg_result* result) const noexcept { PQclear(result); }

Rows::Rows() noexcept = default;
Rows::Rows(pg_result* result) noexcept : result_(result) {}
Rows::Rows(Rows&&) noexcept = default;
Rows& Rows::operator=(Rows&&) noexcept = default;
Rows::~Rows() = default;

int Rows::size() const noexcept { return result_ ? PQntuples(result_.get()) : 0; }

int Rows::column_count() const noexcept { return result_ ? PQnfields(result_.get()) : 0; }

std::string_view Rows::column_name(int column) const {
    if (column < 0 || column >= column_count()) {
        throw std::out_of_range("no column " + std::to_string(column) + " in a result of " +
                                std::to_string(column_count()) + " columns");
    }
    return PQfname(result_.get(), column);
}

int Rows::column_index(std::string_view name) const {
    const int index = result_ ? PQfnumber(result_.get(), std::string(name).c_str()) : -1;
    if (index >= 0) return index;
    std::string columns;
    for (int i = 0; i < column_count(); ++i) columns += (i ? ", " : "") + std::string(column_name(i));
    throw std::out_of_range("no column \"" + std::string(name) + "\" in the result (columns: " + columns +
                            ")");
}

int64_t Rows::affected_rows() const noexcept {
    if (!result_) return 0;
    const std::string_view text = PQcmdTuples(result_.get());
    int64_t count = 0;
    std::from_chars(text.data(), text.data() + text.size(), count);
    return count;
}

std::string_view Rows::command_tag() const noexcept { return result_ ? PQcmdStatus(result_.get()) : ""; }

bool Rows::is_null(int row, int column) const {
    if (row < 0 || row >= size()) {
        throw std::out_of_range("no row " + std::to_string(row) + " in a result of " +
                                std::to_string(size()) + " rows");
    }
    if (column < 0 || column >= column_count()) column_name(column);  // throws the out_of_range
    return PQgetisnull(result_.get(), row, column) == 1;
}

std::string_view Rows::text(int row, int column) const {
    if (is_null(row, column)) {
        throw DatabaseError(ErrorKind::permanent, "",
                            "column \"" + std::string(column_name(column)) + "\" of row " +
                                std::to_string(row) + " is NULL; read it with get_optional()");
    }
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

void Rows::throw_unconvertible(int row, int column, std::string_view type) const {
    std::string value(text(row, column).substr(0, 40));
    throw DatabaseError(ErrorKind::permanent, "",
                        "column \"" + std::string(column_name(column)) + "\" of row " + std::to_string(row) +
                            " holds \"" + value + "\", which is not " + std::string(type));
}

bool Rows::parse_bool(int row, int column) const {
    const std::string_view value = text(row, column);
    if (value == "t") return true;
    if (value == "f") return false;
    throw_unconvertible(row, column, "a boolean");
}

int64_t Rows::parse_int64(int row, int column) const {
    const std::string_view value = text(row, column);
    int64_t out = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc{} || end != value.data() + value.size())
        throw_unconvertible(row, column, "an integer");
    return out;
}

uint64_t Rows::parse_uint64(int row, int column) const {
    const std::string_view value = text(row, column);
    uint64_t out = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc{} || end != value.data() + value.size()) {
        throw_unconvertible(row, column, "an unsigned integer");
    }
    return out;
}

double Rows::parse_double(int row, int column) const {
    const std::string_view value = text(row, column);
    // PostgreSQL spells the special values its own way; from_chars does not know them all.
    if (value == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (value == "Infinity") return std::numeric_limits<double>::infinity();
    if (value == "-Infinity") return -std::numeric_limits<double>::infinity();
    double out = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc{} || end != value.data() + value.size()) throw_unconvertible(row, column, "a number");
    return out;
}

Bytea Rows::parse_bytea(int row, int column) const {
    const char* value = text(row, column).data();
    std::size_t length = 0;
    // PQunescapeBytea reads both bytea_output formats (hex and escape).
    std::unique_ptr<unsigned char, decltype(&PQfreemem)> bytes(
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(value), &length), &PQfreemem);
    if (!bytes) throw_unconvertible(row, column, "bytea");
    return Bytea{std::string(reinterpret_cast<const char*>(bytes.get()), length)};
}

}  // namespace courier::pg
