#include "courier/schemas/store/product_events.hpp"

#include <array>
#include <utility>

#include "common_codec.hpp"

namespace courier::schemas::store {

namespace {

constexpr std::array<std::pair<StockChangeCause, std::string_view>, 4> kCauses = {{
    {StockChangeCause::adjusted, "adjusted"},
    {StockChangeCause::reserved, "reserved"},
    {StockChangeCause::released, "released"},
    {StockChangeCause::committed, "committed"},
}};

// ProductCreated and ProductUpdated carry the same whole-product state.
template <typename Product>
std::string product_json(const Product& p) {
    detail::JsonWriter w;
    w.begin_object();
    w.text("product_id", p.product_id);
    w.integer("version", p.version);
    w.text("sku", p.sku);
    w.text("name", p.name);
    w.integer("price_cents", p.price_cents);
    w.integer("stock", p.stock);
    w.integer("reserved", p.reserved);
    w.integer("available", p.available);
    w.end_object();
    return w.take();
}

template <typename Product>
Product read_product(detail::FieldReader& r) {
    Product p;
    p.product_id = r.text("product_id");
    p.version = r.integer("version");
    p.sku = r.text("sku");
    p.name = r.text("name");
    p.price_cents = r.integer("price_cents");
    p.stock = r.integer("stock");
    p.reserved = r.integer("reserved");
    p.available = r.integer("available");
    return p;
}

}  // namespace

std::string_view to_string(StockChangeCause cause) noexcept {
    for (const auto& [value, text] : kCauses) {
        if (value == cause) return text;
    }
    return "unknown";
}

std::optional<StockChangeCause> parse_stock_change_cause(std::string_view text) noexcept {
    for (const auto& [value, name] : kCauses) {
        if (name == text) return value;
    }
    return std::nullopt;
}

std::string ProductCreated::to_json() const { return product_json(*this); }

Result<ProductCreated> ProductCreated::from_json(std::string_view payload) {
    return detail::decode<ProductCreated>(kType, payload, read_product<ProductCreated>);
}

std::string ProductUpdated::to_json() const { return product_json(*this); }

Result<ProductUpdated> ProductUpdated::from_json(std::string_view payload) {
    return detail::decode<ProductUpdated>(kType, payload, read_product<ProductUpdated>);
}

std::string StockChanged::to_json() const {
    detail::JsonWriter w;
    w.begin_object();
    w.text("product_id", product_id);
    w.integer("version", version);
    w.integer("stock", stock);
    w.integer("reserved", reserved);
    w.integer("available", available);
    w.text("cause", to_string(cause));
    w.optional_text("order_id", order_id);
    w.end_object();
    return w.take();
}

Result<StockChanged> StockChanged::from_json(std::string_view payload) {
    return detail::decode<StockChanged>(kType, payload, [](detail::FieldReader& r) {
        StockChanged m;
        m.product_id = r.text("product_id");
        m.version = r.integer("version");
        m.stock = r.integer("stock");
        m.reserved = r.integer("reserved");
        m.available = r.integer("available");
        auto cause = r.text("cause");
        if (auto parsed = parse_stock_change_cause(cause)) {
            m.cause = *parsed;
        } else {
            r.fail("cause", "\"" + cause + "\" is not a known cause");
        }
        m.order_id = r.optional_text("order_id");
        return m;
    });
}

}  // namespace courier::schemas::store
