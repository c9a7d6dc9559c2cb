#include "courier/schemas/store/common.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "common_codec.hpp"

namespace courier::schemas::store {

namespace {
constexpr std::array<std::pair<ReasonCode, std::string_view>, 7> kReasonCodes = {{
    {ReasonCode::listing_not_found, "listing_not_found"},
    {ReasonCode::listing_inactive, "listing_inactive"},
    {ReasonCode::price_changed, "price_changed"},
    {ReasonCode::insufficient_quantity, "insufficient_quantity"},
    {ReasonCode::product_not_found, "product_not_found"},
    {ReasonCode::insufficient_stock, "insufficient_stock"},
    {ReasonCode::timeout, "timeout"},
}};
}  // namespace

std::string_view to_string(ReasonCode code) noexcept {
    for (const auto& [value, text] : kReasonCodes) {
        if (value == code) return text;
    }
    return "unknown";
}

std::optional<ReasonCode> parse_reason_code(std::string_view text) noexcept {
    for (const auto& [value, name] : kReasonCodes) {
        if (name == text) return value;
    }
    return std::nullopt;
}

namespace {
// Saturates instead of overflowing: a total past INT64_MAX is far beyond any schema's bound anyway.
template <typename Line>
int64_t sum_of(const std::vector<Line>& lines) noexcept {
    int64_t total = 0;
    for (const auto& line : lines) {
        int64_t amount = 0;
        if (__builtin_mul_overflow(line.quantity, line.unit_price_cents, &amount) ||
            __builtin_add_overflow(total, amount, &total)) {
            return INT64_MAX;
        }
    }
    return total;
}
}  // namespace

int64_t total_cents(const std::vector<OrderItem>& items) noexcept { return sum_of(items); }
int64_t total_cents(const std::vector<OrderLine>& lines) noexcept { return sum_of(lines); }

namespace codec {

void write(detail::JsonWriter& w, const OrderItem& item) {
    w.begin_object();
    w.text("listing_id", item.listing_id);
    w.integer("quantity", item.quantity);
    w.integer("unit_price_cents", item.unit_price_cents);
    w.end_object();
}

void write(detail::JsonWriter& w, const OrderLine& line) {
    w.begin_object();
    w.text("listing_id", line.listing_id);
    w.text("product_id", line.product_id);
    w.integer("quantity", line.quantity);
    w.integer("unit_price_cents", line.unit_price_cents);
    w.end_object();
}

void write_items(detail::JsonWriter& w, const std::vector<OrderItem>& items) {
    w.begin_array("items");
    for (const auto& item : items) write(w, item);
    w.end_array();
}

void write_lines(detail::JsonWriter& w, const std::vector<OrderLine>& lines) {
    w.begin_array("items");
    for (const auto& line : lines) write(w, line);
    w.end_array();
}

void write_reason(detail::JsonWriter& w, const Reason& reason) {
    w.begin_object("reason");
    w.text("code", to_string(reason.code));
    w.text("message", reason.message);
    w.end_object();
}

OrderItem read_item(detail::FieldReader& r) {
    OrderItem item;
    item.listing_id = r.text("listing_id");
    item.quantity = r.integer("quantity");
    item.unit_price_cents = r.integer("unit_price_cents");
    return item;
}

OrderLine read_line(detail::FieldReader& r) {
    OrderLine line;
    line.listing_id = r.text("listing_id");
    line.product_id = r.text("product_id");
    line.quantity = r.integer("quantity");
    line.unit_price_cents = r.integer("unit_price_cents");
    return line;
}

Reason read_reason(detail::FieldReader& r) {
    auto fields = r.object("reason");
    Reason reason;
    auto code = fields.text("code");
    if (auto parsed = parse_reason_code(code)) {
        reason.code = *parsed;
    } else {
        fields.fail("code", "\"" + code + "\" is not a known reason code");
    }
    reason.message = fields.text("message");
    return reason;
}

std::string order_lines_json(const std::string& order_id, const std::vector<OrderLine>& items) {
    detail::JsonWriter w;
    w.begin_object();
    w.text("order_id", order_id);
    write_lines(w, items);
    w.end_object();
    return w.take();
}

}  // namespace codec

}  // namespace courier::schemas::store
