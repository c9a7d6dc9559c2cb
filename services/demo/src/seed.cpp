#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <thread>

#include "courier/core/errors.hpp"
#include "courier/demo/store_demo.hpp"
#include "store_client.hpp"

namespace courier::demo {

http::Client client_for(const std::string& url) {
    const auto [host, port] = http::parse_http_url(url);
    return http::Client(host, port);
}

rapidjson::Document call(http::Client& client, std::string_view method, const std::string& target,
                         const std::string& body, int expected) {
    auto response = client.request(method, target, body);
    // 503 is "retry later" (a database or broker moment); the checks retry a few times.
    for (int attempt = 1; response.status == 503 && attempt < 5; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
        response = client.request(method, target, body);
    }
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    if (response.status != expected || doc.HasParseError()) {
        throw CourierError(ErrorKind::permanent, std::string(method) + " " + target + " answered " +
                                                     std::to_string(response.status) + ": " + response.body);
    }
    return doc;
}

namespace {

std::string product_body(const std::string& sku, const std::string& name, int64_t price, int64_t stock) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("sku"), w.String(sku.c_str());
    w.Key("name"), w.String(name.c_str());
    w.Key("price_cents"), w.Int64(price);
    w.Key("stock"), w.Int64(stock);
    w.EndObject();
    return b.GetString();
}

std::string listing_body(const std::string& product_id, const std::string& title, int64_t price, int64_t quantity,
                         bool active) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("product_id"), w.String(product_id.c_str());
    w.Key("title"), w.String(title.c_str());
    w.Key("price_cents"), w.Int64(price);
    w.Key("quantity"), w.Int64(quantity);
    w.Key("active"), w.Bool(active);
    w.EndObject();
    return b.GetString();
}

}  // namespace

Catalog seed_catalog(const StoreEndpoints& store, const SeedOptions& options) {
    auto products = client_for(store.product);
    auto listings = client_for(store.listing);
    Catalog catalog;
    const auto suffix = options.run_id.empty() ? std::string() : "-" + options.run_id;
    auto add = [&](const std::string& sku, const std::string& name, int64_t price, int64_t stock, int64_t listed,
                   bool active, bool scarce) {
        CatalogItem item{sku + suffix, "", "", price, stock, listed, active, scarce};
        auto p = call(products, "POST", "/products", product_body(item.sku, name, price * 8 / 10, stock), 201);
        item.product_id = p["id"].GetString();
        auto l = call(listings, "POST", "/listings", listing_body(item.product_id, name, price, listed, active), 201);
        item.listing_id = l["id"].GetString();
        catalog.items.push_back(std::move(item));
    };
    for (int i = 0; i < options.regular_products; ++i) {
        add("sku-" + std::to_string(i + 1), "Demo item " + std::to_string(i + 1), 500 + 125 * i,
            options.regular_stock, options.regular_stock, true, false);
    }
    add("scarce-1", "Almost sold out", 4999, 5, options.regular_stock, true, true);
    add("retired-1", "No longer sold", 2999, options.regular_stock, options.regular_stock, false, false);
    return catalog;
}

}  // namespace courier::demo
