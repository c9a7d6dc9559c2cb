#include "courier/cli/time_spec.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "courier/core/cloud_events.hpp"
#include "courier/core/errors.hpp"

namespace courier::cli {

namespace {

using namespace std::chrono;

// Reads exactly `digits` decimal digits at `pos`; nullopt when they are not there.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        char c = text[pos + i];
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        value = value * 10 + (c - '0');
    }
    pos += digits;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, std::string_view one_of) {
    if (pos >= text.size() || one_of.find(text[pos]) == std::string_view::npos) return false;
    ++pos;
    return true;
}

// RFC 3339 date-time: full-date ("T" / "t" / " ") full-time, the time with a zone.
std::optional<int64_t> parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    auto y = read_digits(text, pos, 4);
    if (!y || !expect(text, pos, "-")) return std::nullopt;
    auto mo = read_digits(text, pos, 2);
    if (!mo || !expect(text, pos, "-")) return std::nullopt;
    auto d = read_digits(text, pos, 2);
    if (!d || !expect(text, pos, "Tt ")) return std::nullopt;
    auto h = read_digits(text, pos, 2);
    if (!h || !expect(text, pos, ":")) return std::nullopt;
    auto mi = read_digits(text, pos, 2);
    if (!mi || !expect(text, pos, ":")) return std::nullopt;
    auto s = read_digits(text, pos, 2);
    if (!s) return std::nullopt;
    int64_t fraction_ms = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t first = pos;
        int64_t scale = 100;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            fraction_ms += (text[pos] - '0') * scale;  // digits past milliseconds are dropped
            scale /= 10;
            ++pos;
        }
        if (pos == first) return std::nullopt;
    }
    int64_t offset_minutes = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        auto oh = read_digits(text, pos, 2);
        if (!oh || !expect(text, pos, ":")) return std::nullopt;
        auto om = read_digits(text, pos, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset_minutes = sign * (*oh * 60 + *om);
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
    year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!date.ok() || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;  // 60: a leap second
    auto local = sys_days(date) + hours(*h) + minutes(*mi) + seconds(*s) + milliseconds(fraction_ms);
    return duration_cast<milliseconds>((local - minutes(offset_minutes)).time_since_epoch()).count();
}

}  // namespace

milliseconds parse_duration(std::string_view text) {
    auto fail = [&] {
        return ConfigError("cannot read '" + std::string(text) + "' as a duration",
                           "write a number and a unit (ms, s, m, h, d), e.g. 90s, 15m, 2h, 1d or 1h30m");
    };
    if (text.empty()) throw fail();
    milliseconds total{0};
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t start = pos;
        int64_t number = 0;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            if (number > 1'000'000'000) throw fail();
            number = number * 10 + (text[pos++] - '0');
        }
        if (pos == start) throw fail();
        std::size_t unit_start = pos;
        while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
        auto unit = text.substr(unit_start, pos - unit_start);
        if (unit == "ms")
            total += milliseconds(number);
        else if (unit == "s")
            total += seconds(number);
        else if (unit == "m")
            total += minutes(number);
        else if (unit == "h")
            total += hours(number);
        else if (unit == "d")
            total += hours(24 * number);
        else
            throw fail();
    }
    return total;
}

int64_t parse_time_point(std::string_view text, system_clock::time_point now) {
    auto now_ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
    if (text == "now") return now_ms;
    if (text.starts_with("@")) {
        auto digits = text.substr(1);
        if (!digits.empty() && digits.size() <= 15 && std::all_of(digits.begin(), digits.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            })) {
            return std::stoll(std::string(digits));
        }
    } else if (auto absolute = parse_rfc3339(text)) {
        return *absolute;
    } else if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front())) &&
               std::isalpha(static_cast<unsigned char>(text.back()))) {
        try {
            return now_ms - parse_duration(text).count();
        } catch (const ConfigError&) {
        }
    }
    throw ConfigError(
        "cannot read '" + std::string(text) + "' as a time",
        "use RFC 3339 with a zone (2026-11-21T10:00:00Z, 2026-11-21T12:00:00+02:00), a time ago "
        "(90s, 15m, 2h, 1d, 1h30m), now, or Unix milliseconds (@1795303383870)");
}

std::string format_time_ms(int64_t ms_since_epoch) {
    return ce::format_time(system_clock::time_point(milliseconds(ms_since_epoch)));
}

}  // namespace courier::cli
