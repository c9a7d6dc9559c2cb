#include "courier/product/product_service.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "courier/consumers/context.hpp"
#include "courier/core/ids.hpp"
#include "courier/http/http_error.hpp"
#include "courier/http/json.hpp"
#include "courier/schemas/store/product_commands.hpp"
#include "courier/schemas/store/product_events.hpp"
#include "courier/schemas/store/product_replies.hpp"
#include "courier/service/handler_support.hpp"
#include "courier/service/messages.hpp"

namespace courier::product {

namespace store = courier::schemas::store;
using service::ServiceRuntime;

std::vector<pg::Migration> migrations() {
    return {{1, "create_products", R"sql(
CREATE TABLE product (
    id          uuid PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    name        text NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    stock       bigint NOT NULL CHECK (stock >= 0),
    reserved    bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= stock),
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- One row per order the service heard of; 'released' without lines is the tombstone of a
-- release that arrived before (or instead of) its reservation, so a late reserve is ignored.
CREATE TABLE product_reservation (
    order_id   uuid PRIMARY KEY,
    status     text NOT NULL CHECK (status IN ('reserved', 'rejected', 'released', 'committed')),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE product_reservation_line (
    order_id   uuid NOT NULL REFERENCES product_reservation (order_id),
    product_id uuid NOT NULL REFERENCES product (id),
    quantity   bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);
)sql"}};
}

namespace {

struct ProductRow {
    std::string id;
    std::string sku;
    std::string name;
    int64_t price_cents = 0;
    int64_t stock = 0;
    int64_t reserved = 0;
    int64_t version = 0;
};

constexpr const char* kColumns = "id::text, sku, name, price_cents, stock, reserved, version";

ProductRow read_product(const pg::Rows& rows, int r) {
    return {rows.get<std::string>(r, 0), rows.get<std::string>(r, 1), rows.get<std::string>(r, 2),
            rows.get<int64_t>(r, 3),     rows.get<int64_t>(r, 4),     rows.get<int64_t>(r, 5),
            rows.get<int64_t>(r, 6)};
}

void write_product(http::JsonWriter& w, const ProductRow& p) {
    w.begin_object()
        .key("id").string(p.id)
        .key("sku").string(p.sku)
        .key("name").string(p.name)
        .key("price_cents").integer(p.price_cents)
        .key("stock").integer(p.stock)
        .key("reserved").integer(p.reserved)
        .key("available").integer(p.stock - p.reserved)
        .key("version").integer(p.version)
        .end_object();
}

std::string product_json(const ProductRow& p) {
    http::JsonWriter w;
    write_product(w, p);
    return w.str();
}

Message stock_changed(const ServiceRuntime& runtime, const ProductRow& p, store::StockChangeCause cause,
                      const std::optional<std::string>& order_id) {
    store::StockChanged event{p.id, p.version, p.stock, p.reserved, p.stock - p.reserved, cause, order_id};
    return service::make_message(kEvents, store::StockChanged::kType, runtime.source(), p.id, event.to_json());
}

// ---- HTTP ------------------------------------------------------------------------------------

http::Response create_product(ServiceRuntime& runtime, const http::Request& request) {
    auto body = http::parse_json_body(request);
    ProductRow p;
    p.id = new_uuid();
    p.sku = http::require_string(body, "sku");
    p.name = http::require_string(body, "name");
    p.price_cents = http::require_int(body, "price_cents");
    p.stock = http::require_int(body, "stock");
    p.version = 1;
    if (p.price_cents < 0) throw http::HttpError(400, "invalid_field", "price_cents must be >= 0 (integer cents)");
    if (p.stock < 0) throw http::HttpError(400, "invalid_field", "stock must be >= 0");
    return service::in_transaction(runtime.pool(), [&](pg::Transaction& tx) {
        service::http_check(tx.try_exec(
            "INSERT INTO product (id, sku, name, price_cents, stock) VALUES ($1::uuid, $2, $3, $4, $5)",
            {p.id, p.sku, p.name, p.price_cents, p.stock}));
        store::ProductCreated created{p.id, 1, p.sku, p.name, p.price_cents, p.stock, 0, p.stock};
        service::http_check(runtime.outbox().enqueue(
            tx, service::make_message(kEvents, store::ProductCreated::kType, runtime.source(), p.id, created.to_json())));
        http::JsonWriter w;
        w.begin_object().key("id").string(p.id).end_object();
        auto response = http::Response::json(201, w.str());
        response.headers.emplace_back("Location", "/products/" + p.id);
        return response;
    });
}

std::optional<ProductRow> find_product(pg::Connection& c, const std::string& id) {
    if (!service::is_uuid(id)) return std::nullopt;
    auto rows = service::http_value(
        c.try_exec(std::string("SELECT ") + kColumns + " FROM product WHERE id = $1::uuid", {id}));
    if (rows.empty()) return std::nullopt;
    return read_product(rows, 0);
}

http::Response get_product(ServiceRuntime& runtime, const http::Request& request) {
    auto c = runtime.pool().acquire(std::chrono::seconds(5));
    auto p = find_product(*c, request.params.at("id"));
    if (!p) throw http::HttpError(404, "not_found", "no product with id '" + request.params.at("id") + "'");
    return http::Response::json(200, product_json(*p));
}

http::Response list_products(ServiceRuntime& runtime, const http::Request&) {
    auto c = runtime.pool().acquire(std::chrono::seconds(5));
    auto rows = service::http_value(
        c->try_exec(std::string("SELECT ") + kColumns + " FROM product ORDER BY sku LIMIT 10000"));
    http::JsonWriter w;
    w.begin_object().key("products").begin_array();
    for (int r = 0; r < rows.size(); ++r) write_product(w, read_product(rows, r));
    w.end_array().end_object();
    return http::Response::json(200, w.str());
}

http::Response adjust_stock(ServiceRuntime& runtime, const http::Request& request) {
    const auto& id = request.params.at("id");
    auto body = http::parse_json_body(request);
    const auto delta = http::require_int(body, "delta");
    if (!service::is_uuid(id)) throw http::HttpError(404, "not_found", "no product with id '" + id + "'");
    return service::in_transaction(runtime.pool(), [&](pg::Transaction& tx) {
        auto current = service::http_value(
            tx.try_exec(std::string("SELECT ") + kColumns + " FROM product WHERE id = $1::uuid FOR UPDATE", {id}));
        if (current.empty()) throw http::HttpError(404, "not_found", "no product with id '" + id + "'");
        auto p = read_product(current, 0);
        if (p.stock + delta < p.reserved) {
            throw http::HttpError(409, "insufficient_stock",
                                  "stock " + std::to_string(p.stock) + " + delta " + std::to_string(delta) +
                                      " would fall below the " + std::to_string(p.reserved) + " reserved units");
        }
        auto rows = service::http_value(tx.try_exec(
            std::string("UPDATE product SET stock = stock + $2, version = version + 1 WHERE id = $1::uuid RETURNING ") +
                kColumns,
            {id, delta}));
        p = read_product(rows, 0);
        service::http_check(runtime.outbox().enqueue(tx, stock_changed(runtime, p, store::StockChangeCause::adjusted, std::nullopt)));
        return http::Response::json(200, product_json(p));
    });
}

// ---- commands --------------------------------------------------------------------------------

// Quantities per product, summed over an order's lines.
std::map<std::string, int64_t> demand_of(const std::vector<store::OrderLine>& lines) {
    std::map<std::string, int64_t> demand;
    for (const auto& l : lines) demand[l.product_id] += l.quantity;
    return demand;
}

std::vector<std::string> keys_of(const std::map<std::string, int64_t>& demand) {
    std::vector<std::string> ids;
    for (const auto& [id, q] : demand) ids.push_back(id);
    return ids;
}

// Locks the products in id order (concurrent reservations never deadlock) and reads them.
Result<std::map<std::string, ProductRow>> lock_products(pg::Transaction& tx, const std::vector<std::string>& ids) {
    auto rows = tx.try_exec(std::string("SELECT ") + kColumns +
                                " FROM product WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                            {service::text_array(ids)});
    if (!rows) return std::move(rows).error();
    std::map<std::string, ProductRow> found;
    for (int r = 0; r < rows->size(); ++r) {
        auto p = read_product(*rows, r);
        found.emplace(p.id, std::move(p));
    }
    return found;
}

Result<std::optional<std::string>> reservation_status(pg::Transaction& tx, const std::string& order_id) {
    auto rows = tx.try_exec("SELECT status FROM product_reservation WHERE order_id = $1::uuid FOR UPDATE", {order_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<std::string>{};
    return std::optional<std::string>{rows->get<std::string>(0, 0)};
}

// Moves `sign * quantity` of every line of the order into (or out of) `column`s and announces it.
Result<void> apply_lines(ServiceRuntime& runtime, pg::Transaction& tx, const std::string& order_id,
                         const std::string& set_clause, store::StockChangeCause cause) {
    auto rows = tx.try_exec("SELECT product_id::text FROM product_reservation_line WHERE order_id = $1::uuid ORDER BY product_id",
                            {order_id});
    if (!rows) return std::move(rows).error();
    std::vector<std::string> ids;
    for (int r = 0; r < rows->size(); ++r) ids.push_back(rows->get<std::string>(r, 0));
    if (auto locked = lock_products(tx, ids); !locked) return std::move(locked).error();
    auto updated = tx.try_exec("UPDATE product p SET " + set_clause +
                                   ", version = p.version + 1 FROM product_reservation_line l "
                                   "WHERE l.order_id = $1::uuid AND p.id = l.product_id RETURNING p.id::text, p.sku, p.name, "
                                   "p.price_cents, p.stock, p.reserved, p.version",
                               {order_id});
    if (!updated) return std::move(updated).error();
    std::vector<Message> events;
    for (int r = 0; r < updated->size(); ++r) {
        events.push_back(stock_changed(runtime, read_product(*updated, r), cause, order_id));
    }
    return runtime.outbox().enqueue(tx, events);
}

Result<void> reply(ServiceRuntime& runtime, pg::Transaction& tx, const consumers::Context& context,
                   std::string_view type, std::string payload) {
    return runtime.outbox().enqueue(
        tx, service::make_reply(context.event, kReplies, type, runtime.source(), std::move(payload)));
}

Result<void> set_status(pg::Transaction& tx, const std::string& order_id, const char* status) {
    auto r = tx.try_exec(
        "INSERT INTO product_reservation (order_id, status) VALUES ($1::uuid, $2) "
        "ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()",
        {order_id, std::string(status)});
    if (!r) return std::move(r).error();
    return {};
}

Result<void> reserve_stock(ServiceRuntime& runtime, consumers::Context& context) {
    auto command = store::ReserveStock::from_json(context.message.payload);
    if (!command) return std::move(command).error();
    auto& tx = *context.transaction;
    auto status = reservation_status(tx, command->order_id);
    if (!status) return std::move(status).error();
    if (*status) {
        if (**status == "reserved") {
            return reply(runtime, tx, context, store::StockReserved::kType,
                         store::StockReserved{command->order_id, command->items}.to_json());
        }
        spdlog::info("product: reserve-stock for order {} ignored: its reservation is {}", command->order_id, **status);
        return {};
    }
    const auto demand = demand_of(command->items);
    auto products = lock_products(tx, keys_of(demand));
    if (!products) return std::move(products).error();
    store::StockRejected rejected{command->order_id, {}, {}};
    for (const auto& [id, quantity] : demand) {
        auto it = products->find(id);
        if (it == products->end()) {
            rejected.reason = {store::ReasonCode::product_not_found, "no product " + id};
            rejected.shortages.clear();
            break;
        }
        const auto available = it->second.stock - it->second.reserved;
        if (available < quantity) {
            rejected.reason = {store::ReasonCode::insufficient_stock,
                               "not enough stock of " + it->second.sku + ": " + std::to_string(quantity) +
                                   " requested, " + std::to_string(available) + " available"};
            rejected.shortages.push_back({id, quantity, available});
        }
    }
    if (!rejected.reason.message.empty()) {
        if (auto s = set_status(tx, command->order_id, "rejected"); !s) return s;
        return reply(runtime, tx, context, store::StockRejected::kType, rejected.to_json());
    }
    if (auto s = set_status(tx, command->order_id, "reserved"); !s) return s;
    for (const auto& [id, quantity] : demand) {
        auto line = tx.try_exec(
            "INSERT INTO product_reservation_line (order_id, product_id, quantity) VALUES ($1::uuid, $2::uuid, $3)",
            {command->order_id, id, quantity});
        if (!line) return std::move(line).error();
    }
    if (auto applied = apply_lines(runtime, tx, command->order_id, "reserved = p.reserved + l.quantity",
                                   store::StockChangeCause::reserved);
        !applied) {
        return applied;
    }
    return reply(runtime, tx, context, store::StockReserved::kType,
                 store::StockReserved{command->order_id, command->items}.to_json());
}

Result<void> release_stock(ServiceRuntime& runtime, consumers::Context& context) {
    auto command = store::ReleaseStock::from_json(context.message.payload);
    if (!command) return std::move(command).error();
    auto& tx = *context.transaction;
    auto status = reservation_status(tx, command->order_id);
    if (!status) return std::move(status).error();
    if (*status && **status == "committed") {
        // The saga confirmed the order; a release now would be a bug upstream. Keep the sale.
        return Error::permanent("product.release_committed",
                                "release-stock for order " + command->order_id + " whose stock is already committed");
    }
    if (*status && **status == "reserved") {
        if (auto applied = apply_lines(runtime, tx, command->order_id, "reserved = p.reserved - l.quantity",
                                       store::StockChangeCause::released);
            !applied) {
            return applied;
        }
    }
    // Unknown (the reservation never arrived, or will arrive late: the tombstone makes it a
    // no-op), reserved (given back above), rejected or released (nothing to undo): all released.
    if (!*status || **status == "reserved") {
        if (auto s = set_status(tx, command->order_id, "released"); !s) return s;
    }
    return reply(runtime, tx, context, store::StockReleased::kType,
                 store::StockReleased{command->order_id, command->items}.to_json());
}

Result<void> commit_stock(ServiceRuntime& runtime, consumers::Context& context) {
    auto command = store::CommitStock::from_json(context.message.payload);
    if (!command) return std::move(command).error();
    auto& tx = *context.transaction;
    auto status = reservation_status(tx, command->order_id);
    if (!status) return std::move(status).error();
    if (*status && **status == "committed") return {};
    if (!*status || **status != "reserved") {
        return Error::permanent("product.commit_unreserved",
                                "commit-stock for order " + command->order_id + " whose reservation is " +
                                    (*status ? **status : std::string("unknown")));
    }
    if (auto applied = apply_lines(runtime, tx, command->order_id,
                                   "stock = p.stock - l.quantity, reserved = p.reserved - l.quantity",
                                   store::StockChangeCause::committed);
        !applied) {
        return applied;
    }
    return set_status(tx, command->order_id, "committed");
}

}  // namespace

void install(ServiceRuntime& runtime) {
    runtime.migrate("store.product", migrations());
    runtime.ensure_topics({kCommands, kReplies, kEvents});

    auto& h = runtime.http();
    h.add("POST", "/products", [&runtime](const http::Request& r) { return create_product(runtime, r); });
    h.add("GET", "/products", [&runtime](const http::Request& r) { return list_products(runtime, r); });
    h.add("GET", "/products/{id}", [&runtime](const http::Request& r) { return get_product(runtime, r); });
    h.add("POST", "/products/{id}/stock", [&runtime](const http::Request& r) { return adjust_stock(runtime, r); });

    auto& router = runtime.consumer();
    router.handle("reserve-stock", kCommands, std::string(store::ReserveStock::kType),
                  runtime.exactly_once([&runtime](consumers::Context& c) { return reserve_stock(runtime, c); }));
    router.handle("release-stock", kCommands, std::string(store::ReleaseStock::kType),
                  runtime.exactly_once([&runtime](consumers::Context& c) { return release_stock(runtime, c); }));
    router.handle("commit-stock", kCommands, std::string(store::CommitStock::kType),
                  runtime.exactly_once([&runtime](consumers::Context& c) { return commit_stock(runtime, c); }));
}

}  // namespace courier::product
