#include "courier/schemas/store/listing_replies.hpp"

#include "common_codec.hpp"

namespace courier::schemas::store {

std::string ListingConfirmed::to_json() const { return codec::order_lines_json(order_id, items); }

Result<ListingConfirmed> ListingConfirmed::from_json(std::string_view payload) {
    return detail::decode<ListingConfirmed>(kType, payload, [](detail::FieldReader& r) {
        return ListingConfirmed{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

std::string ListingRejected::to_json() const {
    detail::JsonWriter w;
    w.begin_object();
    w.text("order_id", order_id);
    codec::write_reason(w, reason);
    w.optional_text("listing_id", listing_id);
    w.end_object();
    return w.take();
}

Result<ListingRejected> ListingRejected::from_json(std::string_view payload) {
    return detail::decode<ListingRejected>(kType, payload, [](detail::FieldReader& r) {
        ListingRejected m;
        m.order_id = r.text("order_id");
        m.reason = codec::read_reason(r);
        m.listing_id = r.optional_text("listing_id");
        return m;
    });
}

std::string ListingReleased::to_json() const { return codec::order_lines_json(order_id, items); }

Result<ListingReleased> ListingReleased::from_json(std::string_view payload) {
    return detail::decode<ListingReleased>(kType, payload, [](detail::FieldReader& r) {
        return ListingReleased{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

}  // namespace courier::schemas::store
