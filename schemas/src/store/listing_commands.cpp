#include "courier/schemas/store/listing_commands.hpp"

#include "common_codec.hpp"

namespace courier::schemas::store {

std::string ConfirmListing::to_json() const {
    detail::JsonWriter w;
    w.begin_object();
    w.text("order_id", order_id);
    codec::write_items(w, items);
    w.end_object();
    return w.take();
}

Result<ConfirmListing> ConfirmListing::from_json(std::string_view payload) {
    return detail::decode<ConfirmListing>(kType, payload, [](detail::FieldReader& r) {
        return ConfirmListing{r.text("order_id"), r.list("items", codec::read_item)};
    });
}

std::string ReleaseListing::to_json() const { return codec::order_lines_json(order_id, items); }

Result<ReleaseListing> ReleaseListing::from_json(std::string_view payload) {
    return detail::decode<ReleaseListing>(kType, payload, [](detail::FieldReader& r) {
        return ReleaseListing{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

}  // namespace courier::schemas::store
