#include "courier/schemas/store/order_events.hpp"

#include "common_codec.hpp"

namespace courier::schemas::store {

std::string OrderPlaced::to_json() const {
    detail::JsonWriter w;
    w.begin_object();
    w.text("order_id", order_id);
    w.text("customer_id", customer_id);
    codec::write_items(w, items);
    w.integer("total_cents", total_cents);
    w.optional_text("customer_note", customer_note);
    w.end_object();
    return w.take();
}

Result<OrderPlaced> OrderPlaced::from_json(std::string_view payload, std::string_view type) {
    if (type != kTypeV1 && type != kTypeV2) {
        return Error::poison("schema.unexpected_type", "OrderPlaced reads " + std::string(kTypeV1) + " and " +
                                                           std::string(kTypeV2) + ", not '" +
                                                           std::string(type) + "'");
    }
    return detail::decode<OrderPlaced>(type, payload, [](detail::FieldReader& r) {
        OrderPlaced m;
        m.order_id = r.text("order_id");
        m.customer_id = r.text("customer_id");
        m.items = r.list("items", codec::read_item);
        m.total_cents = r.integer("total_cents");
        m.customer_note = r.optional_text("customer_note");
        return m;
    });
}

std::string OrderConfirmed::to_json() const {
    detail::JsonWriter w;
    w.begin_object();
    w.text("order_id", order_id);
    w.text("customer_id", customer_id);
    codec::write_lines(w, items);
    w.integer("total_cents", total_cents);
    w.end_object();
    return w.take();
}

Result<OrderConfirmed> OrderConfirmed::from_json(std::string_view payload) {
    return detail::decode<OrderConfirmed>(kType, payload, [](detail::FieldReader& r) {
        OrderConfirmed m;
        m.order_id = r.text("order_id");
        m.customer_id = r.text("customer_id");
        m.items = r.list("items", codec::read_line);
        m.total_cents = r.integer("total_cents");
        return m;
    });
}

std::string OrderCancelled::to_json() const {
    detail::JsonWriter w;
    w.begin_object();
    w.text("order_id", order_id);
    w.text("customer_id", customer_id);
    codec::write_reason(w, reason);
    w.end_object();
    return w.take();
}

Result<OrderCancelled> OrderCancelled::from_json(std::string_view payload) {
    return detail::decode<OrderCancelled>(kType, payload, [](detail::FieldReader& r) {
        OrderCancelled m;
        m.order_id = r.text("order_id");
        m.customer_id = r.text("customer_id");
        m.reason = codec::read_reason(r);
        return m;
    });
}

}  // namespace courier::schemas::store
