#include "courier/schemas/store/listing_events.hpp"

#include "common_codec.hpp"

namespace courier::schemas::store {

namespace {

// ListingCreated and ListingUpdated carry the same whole-listing state.
template <typename Listing>
std::string listing_json(const Listing& l) {
    detail::JsonWriter w;
    w.begin_object();
    w.text("listing_id", l.listing_id);
    w.integer("version", l.version);
    w.text("product_id", l.product_id);
    w.text("title", l.title);
    w.integer("price_cents", l.price_cents);
    w.integer("quantity", l.quantity);
    w.boolean("active", l.active);
    w.end_object();
    return w.take();
}

template <typename Listing>
Listing read_listing(detail::FieldReader& r) {
    Listing l;
    l.listing_id = r.text("listing_id");
    l.version = r.integer("version");
    l.product_id = r.text("product_id");
    l.title = r.text("title");
    l.price_cents = r.integer("price_cents");
    l.quantity = r.integer("quantity");
    l.active = r.boolean("active");
    return l;
}

}  // namespace

std::string ListingCreated::to_json() const { return listing_json(*this); }

Result<ListingCreated> ListingCreated::from_json(std::string_view payload) {
    return detail::decode<ListingCreated>(kType, payload, read_listing<ListingCreated>);
}

std::string ListingUpdated::to_json() const { return listing_json(*this); }

Result<ListingUpdated> ListingUpdated::from_json(std::string_view payload) {
    return detail::decode<ListingUpdated>(kType, payload, read_listing<ListingUpdated>);
}

}  // namespace courier::schemas::store
