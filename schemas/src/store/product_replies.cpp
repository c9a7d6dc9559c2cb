#include "courier/schemas/store/product_replies.hpp"

#include "common_codec.hpp"

namespace courier::schemas::store {

std::string StockReserved::to_json() const { return codec::order_lines_json(order_id, items); }

Result<StockReserved> StockReserved::from_json(std::string_view payload) {
    return detail::decode<StockReserved>(kType, payload, [](detail::FieldReader& r) {
        return StockReserved{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

std::string StockRejected::to_json() const {
    detail::JsonWriter w;
    w.begin_object();
    w.text("order_id", order_id);
    codec::write_reason(w, reason);
    if (!shortages.empty()) {
        w.begin_array("shortages");
        for (const auto& shortage : shortages) {
            w.begin_object();
            w.text("product_id", shortage.product_id);
            w.integer("requested", shortage.requested);
            w.integer("available", shortage.available);
            w.end_object();
        }
        w.end_array();
    }
    w.end_object();
    return w.take();
}

Result<StockRejected> StockRejected::from_json(std::string_view payload) {
    return detail::decode<StockRejected>(kType, payload, [](detail::FieldReader& r) {
        StockRejected m;
        m.order_id = r.text("order_id");
        m.reason = codec::read_reason(r);
        m.shortages = r.list(
            "shortages",
            [](detail::FieldReader& s) {
                return StockShortage{s.text("product_id"), s.integer("requested"), s.integer("available")};
            },
            false);
        return m;
    });
}

std::string StockReleased::to_json() const { return codec::order_lines_json(order_id, items); }

Result<StockReleased> StockReleased::from_json(std::string_view payload) {
    return detail::decode<StockReleased>(kType, payload, [](detail::FieldReader& r) {
        return StockReleased{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

}  // namespace courier::schemas::store
