#include "courier/listing/listing_service.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "courier/consumers/context.hpp"
#include "courier/core/ids.hpp"
#include "courier/http/http_error.hpp"
#include "courier/http/json.hpp"
#include "courier/pg/connection.hpp"
#include "courier/schemas/store/listing_commands.hpp"
#include "courier/schemas/store/listing_events.hpp"
#include "courier/schemas/store/listing_replies.hpp"
#include "courier/service/handler_support.hpp"
#include "courier/service/messages.hpp"
#include "projection.hpp"

namespace courier::listing {

namespace store = courier::schemas::store;
using service::ServiceRuntime;

std::vector<pg::Migration> migrations() {
    return {{1, "create_listings", R"sql(
CREATE TABLE listing (
    id          uuid PRIMARY KEY,
    product_id  uuid NOT NULL,
    title       text NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    quantity    bigint NOT NULL CHECK (quantity >= 0),
    active      boolean NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- 'released' without lines is the tombstone of a release that came before its confirmation.
CREATE TABLE listing_confirmation (
    order_id   uuid PRIMARY KEY,
    status     text NOT NULL CHECK (status IN ('taken', 'rejected', 'released')),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE listing_confirmation_line (
    order_id   uuid NOT NULL REFERENCES listing_confirmation (order_id),
    listing_id uuid NOT NULL REFERENCES listing (id),
    quantity   bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, listing_id)
);
-- The projection of store.product.events: newest version wins, so replays are harmless.
CREATE TABLE product_availability (
    product_id uuid PRIMARY KEY,
    available  bigint NOT NULL,
    version    bigint NOT NULL
);
)sql"}};
}

namespace {

struct ListingRow {
    std::string id;
    std::string product_id;
    std::string title;
    int64_t price_cents = 0;
    int64_t quantity = 0;
    bool active = false;
    int64_t version = 0;
    std::optional<int64_t> stock_available;
};

constexpr const char* kSelect =
    "SELECT l.id::text, l.product_id::text, l.title, l.price_cents, l.quantity, l.active, l.version, a.available "
    "FROM listing l LEFT JOIN product_availability a ON a.product_id = l.product_id";
constexpr const char* kReturning =
    " RETURNING id::text, product_id::text, title, price_cents, quantity, active, version, NULL::bigint";

ListingRow read_listing(const pg::Rows& rows, int r) {
    return {rows.get<std::string>(r, 0), rows.get<std::string>(r, 1), rows.get<std::string>(r, 2),
            rows.get<int64_t>(r, 3),     rows.get<int64_t>(r, 4),     rows.get<bool>(r, 5),
            rows.get<int64_t>(r, 6),     rows.get_optional<int64_t>(r, 7)};
}

void write_listing(http::JsonWriter& w, const ListingRow& l) {
    w.begin_object()
        .key("id").string(l.id)
        .key("product_id").string(l.product_id)
        .key("title").string(l.title)
        .key("price_cents").integer(l.price_cents)
        .key("active").boolean(l.active)
        .key("quantity").integer(l.quantity)
        .key("version").integer(l.version)
        .key("stock_available");
    if (l.stock_available) {
        w.integer(*l.stock_available);
    } else {
        w.null();
    }
    w.end_object();
}

std::string listing_json(const ListingRow& l) {
    http::JsonWriter w;
    write_listing(w, l);
    return w.str();
}

template <typename Event>
Message listing_event(const ServiceRuntime& runtime, const ListingRow& l) {
    Event e{l.id, l.version, l.product_id, l.title, l.price_cents, l.quantity, l.active};
    return service::make_message(kEvents, Event::kType, runtime.source(), l.id, e.to_json());
}

// ---- HTTP ------------------------------------------------------------------------------------

http::Response create_listing(ServiceRuntime& runtime, const http::Request& request) {
    auto body = http::parse_json_body(request);
    ListingRow l;
    l.id = new_uuid();
    l.product_id = http::require_string(body, "product_id");
    l.title = http::require_string(body, "title");
    l.price_cents = http::require_int(body, "price_cents");
    l.quantity = http::require_int(body, "quantity");
    l.active = http::optional_bool(body, "active").value_or(true);
    l.version = 1;
    if (!service::is_uuid(l.product_id)) {
        throw http::HttpError(400, "invalid_field", "product_id must be a product's UUID, got '" + l.product_id + "'");
    }
    if (l.price_cents < 0) throw http::HttpError(400, "invalid_field", "price_cents must be >= 0 (integer cents)");
    if (l.quantity < 0) throw http::HttpError(400, "invalid_field", "quantity must be >= 0");
    return service::in_transaction(runtime.pool(), [&](pg::Transaction& tx) {
        service::http_check(tx.try_exec(
            "INSERT INTO listing (id, product_id, title, price_cents, quantity, active) "
            "VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6)",
            {l.id, l.product_id, l.title, l.price_cents, l.quantity, l.active}));
        service::http_check(runtime.outbox().enqueue(tx, listing_event<store::ListingCreated>(runtime, l)));
        http::JsonWriter w;
        w.begin_object().key("id").string(l.id).end_object();
        auto response = http::Response::json(201, w.str());
        response.headers.emplace_back("Location", "/listings/" + l.id);
        return response;
    });
}

http::Response update_listing(ServiceRuntime& runtime, const http::Request& request) {
    const auto& id = request.params.at("id");
    auto body = http::parse_json_body(request);
    const auto price = http::optional_int(body, "price_cents");
    const auto quantity = http::optional_int(body, "quantity");
    const auto active = http::optional_bool(body, "active");
    const auto title = http::optional_string(body, "title");
    if (!price && !quantity && !active && !title) {
        throw http::HttpError(400, "invalid_input", "nothing to change: give price_cents, quantity, active or title");
    }
    if (price && *price < 0) throw http::HttpError(400, "invalid_field", "price_cents must be >= 0 (integer cents)");
    if (quantity && *quantity < 0) throw http::HttpError(400, "invalid_field", "quantity must be >= 0");
    if (!service::is_uuid(id)) throw http::HttpError(404, "not_found", "no listing with id '" + id + "'");
    return service::in_transaction(runtime.pool(), [&](pg::Transaction& tx) {
        auto rows = service::http_value(tx.try_exec(
            std::string("UPDATE listing SET price_cents = COALESCE($2, price_cents), quantity = COALESCE($3, quantity), "
                        "active = COALESCE($4, active), title = COALESCE($5, title), version = version + 1 "
                        "WHERE id = $1::uuid") + kReturning,
            {id, price ? pg::Param(*price) : pg::Param(std::nullopt),
             quantity ? pg::Param(*quantity) : pg::Param(std::nullopt),
             active ? pg::Param(*active) : pg::Param(std::nullopt),
             title ? pg::Param(*title) : pg::Param(std::nullopt)}));
        if (rows.empty()) throw http::HttpError(404, "not_found", "no listing with id '" + id + "'");
        auto l = read_listing(rows, 0);
        service::http_check(runtime.outbox().enqueue(tx, listing_event<store::ListingUpdated>(runtime, l)));
        return http::Response::json(200, listing_json(l));
    });
}

http::Response get_listing(ServiceRuntime& runtime, const http::Request& request) {
    const auto& id = request.params.at("id");
    if (!service::is_uuid(id)) throw http::HttpError(404, "not_found", "no listing with id '" + id + "'");
    auto c = runtime.pool().acquire(std::chrono::seconds(5));
    auto rows = service::http_value(c->try_exec(std::string(kSelect) + " WHERE l.id = $1::uuid", {id}));
    if (rows.empty()) throw http::HttpError(404, "not_found", "no listing with id '" + id + "'");
    return http::Response::json(200, listing_json(read_listing(rows, 0)));
}

http::Response list_listings(ServiceRuntime& runtime, const http::Request&) {
    auto c = runtime.pool().acquire(std::chrono::seconds(5));
    auto rows = service::http_value(c->try_exec(std::string(kSelect) + " ORDER BY l.created_at, l.id LIMIT 10000"));
    http::JsonWriter w;
    w.begin_object().key("listings").begin_array();
    for (int r = 0; r < rows.size(); ++r) write_listing(w, read_listing(rows, r));
    w.end_array().end_object();
    return http::Response::json(200, w.str());
}

// ---- commands --------------------------------------------------------------------------------

Result<void> reply(ServiceRuntime& runtime, pg::Transaction& tx, const consumers::Context& context,
                   std::string_view type, std::string payload) {
    return runtime.outbox().enqueue(
        tx, service::make_reply(context.event, kReplies, type, runtime.source(), std::move(payload)));
}

Result<std::optional<std::string>> confirmation_status(pg::Transaction& tx, const std::string& order_id) {
    auto rows = tx.try_exec("SELECT status FROM listing_confirmation WHERE order_id = $1::uuid FOR UPDATE", {order_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<std::string>{};
    return std::optional<std::string>{rows->get<std::string>(0, 0)};
}

Result<void> set_status(pg::Transaction& tx, const std::string& order_id, const char* status) {
    auto r = tx.try_exec(
        "INSERT INTO listing_confirmation (order_id, status) VALUES ($1::uuid, $2) "
        "ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()",
        {order_id, std::string(status)});
    if (!r) return std::move(r).error();
    return {};
}

// Moves the order's units out of (sign -1) or back into (+1) its listings and announces them.
Result<void> move_units(ServiceRuntime& runtime, pg::Transaction& tx, const std::string& order_id, int sign) {
    auto locked = tx.try_exec(
        "SELECT l.id FROM listing l JOIN listing_confirmation_line c ON c.listing_id = l.id "
        "WHERE c.order_id = $1::uuid ORDER BY l.id FOR UPDATE OF l",
        {order_id});
    if (!locked) return std::move(locked).error();
    auto rows = tx.try_exec(std::string("UPDATE listing l SET quantity = l.quantity + $2 * c.quantity, version = l.version + 1 "
                                        "FROM listing_confirmation_line c WHERE c.order_id = $1::uuid AND c.listing_id = l.id "
                                        "RETURNING l.id::text, l.product_id::text, l.title, l.price_cents, l.quantity, "
                                        "l.active, l.version, NULL::bigint"),
                            {order_id, static_cast<int64_t>(sign)});
    if (!rows) return std::move(rows).error();
    std::vector<Message> events;
    for (int r = 0; r < rows->size(); ++r) {
        events.push_back(listing_event<store::ListingUpdated>(runtime, read_listing(*rows, r)));
    }
    return runtime.outbox().enqueue(tx, events);
}

Result<void> reply_confirmed(ServiceRuntime& runtime, pg::Transaction& tx, const consumers::Context& context,
                             const store::ConfirmListing& command, const std::map<std::string, ListingRow>& listings) {
    store::ListingConfirmed confirmed{command.order_id, {}};
    for (const auto& item : command.items) {
        confirmed.items.push_back(
            {item.listing_id, listings.at(item.listing_id).product_id, item.quantity, item.unit_price_cents});
    }
    return reply(runtime, tx, context, store::ListingConfirmed::kType, confirmed.to_json());
}

Result<void> confirm_listing(ServiceRuntime& runtime, consumers::Context& context) {
    auto command = store::ConfirmListing::from_json(context.message.payload);
    if (!command) return std::move(command).error();
    auto& tx = *context.transaction;
    auto status = confirmation_status(tx, command->order_id);
    if (!status) return std::move(status).error();
    if (*status && **status != "taken") {
        spdlog::info("listing: confirm-listing for order {} ignored: it is {}", command->order_id, **status);
        return {};
    }
    std::map<std::string, int64_t> demand;
    std::vector<std::string> ids;
    for (const auto& item : command->items) {
        if (demand[item.listing_id] == 0) ids.push_back(item.listing_id);
        demand[item.listing_id] += item.quantity;
    }
    auto rows = tx.try_exec(std::string(kSelect) + " WHERE l.id = ANY($1::uuid[]) ORDER BY l.id FOR UPDATE OF l",
                            {service::text_array(ids)});
    if (!rows) return std::move(rows).error();
    std::map<std::string, ListingRow> listings;
    for (int r = 0; r < rows->size(); ++r) {
        auto l = read_listing(*rows, r);
        listings.emplace(l.id, std::move(l));
    }
    if (*status) return reply_confirmed(runtime, tx, context, *command, listings);  // a repeated command

    std::optional<store::ListingRejected> rejected;
    auto reject = [&](store::ReasonCode code, const std::string& listing_id, std::string message) {
        if (!rejected) rejected = store::ListingRejected{command->order_id, {code, std::move(message)}, listing_id};
    };
    for (const auto& item : command->items) {
        auto it = listings.find(item.listing_id);
        if (it == listings.end()) {
            reject(store::ReasonCode::listing_not_found, item.listing_id, "no listing " + item.listing_id);
        } else if (!it->second.active) {
            reject(store::ReasonCode::listing_inactive, item.listing_id, "listing '" + it->second.title + "' is not active");
        } else if (it->second.price_cents != item.unit_price_cents) {
            reject(store::ReasonCode::price_changed, item.listing_id,
                   "listing '" + it->second.title + "' costs " + std::to_string(it->second.price_cents) +
                       " cents, the order quoted " + std::to_string(item.unit_price_cents));
        } else if (it->second.quantity < demand[item.listing_id]) {
            reject(store::ReasonCode::insufficient_quantity, item.listing_id,
                   "listing '" + it->second.title + "' has " + std::to_string(it->second.quantity) + " units left, " +
                       std::to_string(demand[item.listing_id]) + " ordered");
        }
    }
    if (rejected) {
        if (auto s = set_status(tx, command->order_id, "rejected"); !s) return s;
        return reply(runtime, tx, context, store::ListingRejected::kType, rejected->to_json());
    }
    if (auto s = set_status(tx, command->order_id, "taken"); !s) return s;
    for (const auto& [listing_id, quantity] : demand) {
        auto line = tx.try_exec(
            "INSERT INTO listing_confirmation_line (order_id, listing_id, quantity) VALUES ($1::uuid, $2::uuid, $3)",
            {command->order_id, listing_id, quantity});
        if (!line) return std::move(line).error();
    }
    if (auto moved = move_units(runtime, tx, command->order_id, -1); !moved) return moved;
    return reply_confirmed(runtime, tx, context, *command, listings);
}

Result<void> release_listing(ServiceRuntime& runtime, consumers::Context& context) {
    auto command = store::ReleaseListing::from_json(context.message.payload);
    if (!command) return std::move(command).error();
    auto& tx = *context.transaction;
    auto status = confirmation_status(tx, command->order_id);
    if (!status) return std::move(status).error();
    if (*status && **status == "taken") {
        if (auto moved = move_units(runtime, tx, command->order_id, +1); !moved) return moved;
    }
    // Unknown (a late confirmation will find the tombstone), taken (given back above), rejected
    // or released (nothing to undo): all count as released.
    if (!*status || **status == "taken") {
        if (auto s = set_status(tx, command->order_id, "released"); !s) return s;
    }
    return reply(runtime, tx, context, store::ListingReleased::kType,
                 store::ListingReleased{command->order_id, command->items}.to_json());
}

Result<void> project_product_event(ServiceRuntime& runtime, consumers::Context& context) {
    auto availability = availability_of(context.event.type, context.message.payload);
    if (!availability) return std::move(availability).error();
    auto c = runtime.pool().try_acquire(std::chrono::seconds(5));
    if (!c) return std::move(c).error();
    return upsert_availability(**c, "product_availability", {*availability});
}

}  // namespace

void install(ServiceRuntime& runtime) {
    runtime.migrate("store.listing", migrations());
    runtime.ensure_topics({kCommands, kReplies, kEvents, kProductEvents});

    auto& h = runtime.http();
    h.add("POST", "/listings", [&runtime](const http::Request& r) { return create_listing(runtime, r); });
    h.add("GET", "/listings", [&runtime](const http::Request& r) { return list_listings(runtime, r); });
    h.add("GET", "/listings/{id}", [&runtime](const http::Request& r) { return get_listing(runtime, r); });
    h.add("PATCH", "/listings/{id}", [&runtime](const http::Request& r) { return update_listing(runtime, r); });

    auto& router = runtime.consumer();
    router.handle("confirm-listing", kCommands, std::string(store::ConfirmListing::kType),
                  runtime.exactly_once([&runtime](consumers::Context& c) { return confirm_listing(runtime, c); }));
    router.handle("release-listing", kCommands, std::string(store::ReleaseListing::kType),
                  runtime.exactly_once([&runtime](consumers::Context& c) { return release_listing(runtime, c); }));
    for (const auto type : projected_types()) {
        router.handle("project:" + std::string(type), kProductEvents, std::string(type),
                      [&runtime](consumers::Context& c) { return project_product_event(runtime, c); });
    }
}

}  // namespace courier::listing
