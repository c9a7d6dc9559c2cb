#include <cstdio>
#include <map>
#include <ostream>
#include <thread>

#include "courier/core/errors.hpp"
#include "courier/demo/store_demo.hpp"
#include "store_client.hpp"

namespace courier::demo {

using namespace std::chrono_literals;

namespace {

struct Counts {
    int64_t stock = 0, reserved = 0, available = 0, quantity = 0;
    std::optional<int64_t> projected;
};

void check(InvariantReport& report, bool ok, const std::string& what, const std::vector<std::string>& problems) {
    if (ok) {
        report.passed.push_back(what);
        return;
    }
    std::string text = what + ": ";
    for (std::size_t i = 0; i < problems.size() && i < 5; ++i) text += (i ? "; " : "") + problems[i];
    if (problems.size() > 5) text += "; and " + std::to_string(problems.size() - 5) + " more";
    report.failed.push_back(text);
}

}  // namespace

InvariantReport check_invariants(const StoreEndpoints& store, const Catalog& catalog, const LoadReport& load,
                                 std::chrono::milliseconds converge, bool timeouts_allowed) {
    InvariantReport report;
    auto orders = client_for(store.order);
    auto products = client_for(store.product);
    auto listings = client_for(store.listing);

    // 1. Every order final, the same in the order service as in its event, and as designed.
    std::vector<std::string> not_final, disagree, unexpected;
    std::map<std::size_t, int64_t> confirmed_units;  // catalog index -> units of confirmed orders
    for (const auto& o : load.orders) {
        auto doc = call(orders, "GET", "/orders/" + o.id, "", 200);
        std::string status = doc["status"].GetString();
        if (status == "CANCELLED" && doc.HasMember("reason")) status += std::string(":") + doc["reason"]["code"].GetString();
        if (status.rfind("CONFIRMED", 0) != 0 && status.rfind("CANCELLED", 0) != 0) {
            not_final.push_back(o.id + " is " + status);
        }
        if (o.outcome && *o.outcome != status) disagree.push_back(o.id + ": event " + *o.outcome + ", GET " + status);
        if (status != expected_outcome(o.kind) && !(timeouts_allowed && status == "CANCELLED:timeout")) {
            unexpected.push_back(o.id + " (" + std::string(to_string(o.kind)) + ") is " + status + ", expected " +
                                 expected_outcome(o.kind));
        }
        if (status == "CONFIRMED") {
            for (const auto& [index, quantity] : o.items) confirmed_units[index] += quantity;
        }
    }
    check(report, not_final.empty(),
          "every order ended CONFIRMED or CANCELLED (" + std::to_string(load.orders.size()) + " orders)", not_final);
    check(report, disagree.empty(), "each order's status equals its order.confirmed/cancelled event", disagree);
    check(report, unexpected.empty(), "each order ended as designed (failures cancel with the right reason)", unexpected);

    // 2. Stock and listed units: nothing reserved, nothing applied twice, nothing lost.
    auto read_counts = [&](const CatalogItem& item) {
        Counts c;
        auto p = call(products, "GET", "/products/" + item.product_id, "", 200);
        c.stock = p["stock"].GetInt64();
        c.reserved = p["reserved"].GetInt64();
        c.available = p["available"].GetInt64();
        auto l = call(listings, "GET", "/listings/" + item.listing_id, "", 200);
        c.quantity = l["quantity"].GetInt64();
        if (l["stock_available"].IsInt64()) c.projected = l["stock_available"].GetInt64();
        return c;
    };
    std::vector<std::string> reserved, stock, listed;
    for (std::size_t i = 0; i < catalog.items.size(); ++i) {
        const auto& item = catalog.items[i];
        const auto c = read_counts(item);
        const auto units = confirmed_units[i];
        if (c.reserved != 0) reserved.push_back(item.sku + " has " + std::to_string(c.reserved) + " reserved");
        if (item.initial_stock != c.stock + units) {
            stock.push_back(item.sku + ": initial " + std::to_string(item.initial_stock) + " != stock " +
                            std::to_string(c.stock) + " + confirmed " + std::to_string(units));
        }
        if (item.initial_listed != c.quantity + units) {
            listed.push_back(item.sku + ": initially listed " + std::to_string(item.initial_listed) + " != quantity " +
                             std::to_string(c.quantity) + " + confirmed " + std::to_string(units));
        }
    }
    check(report, reserved.empty(), "no product has units left reserved", reserved);
    check(report, stock.empty(), "per product, initial stock = stock + confirmed units", stock);
    check(report, listed.empty(), "per listing, initially listed = listed quantity + confirmed units", listed);

    // 3. The projection converges to product availability (it is eventually consistent).
    std::vector<std::string> diverged;
    const auto deadline = std::chrono::steady_clock::now() + converge;
    do {
        diverged.clear();
        for (const auto& item : catalog.items) {
            const auto c = read_counts(item);
            if (c.projected != c.available) {
                diverged.push_back(item.sku + ": listing shows " +
                                   (c.projected ? std::to_string(*c.projected) : std::string("nothing")) +
                                   ", product has " + std::to_string(c.available) + " available");
            }
        }
        if (diverged.empty()) break;
        std::this_thread::sleep_for(250ms);
    } while (std::chrono::steady_clock::now() < deadline);
    check(report, diverged.empty(), "the listing projection equals product availability", diverged);
    return report;
}

void print_summary(std::ostream& out, const LoadReport& load, const InvariantReport& invariants) {
    char line[200];
    out << "\n  orders                          " << "\n";
    std::snprintf(line, sizeof line, "  %-28s %10zu\n", "placed (202 Accepted)", load.placed);
    out << line;
    std::snprintf(line, sizeof line, "  %-28s %10zu\n", "confirmed", load.confirmed);
    out << line;
    std::snprintf(line, sizeof line, "  %-28s %10zu\n", "cancelled", load.cancelled);
    out << line;
    for (const auto& [reason, count] : load.cancel_reasons) {
        std::snprintf(line, sizeof line, "    %-26s %10zu\n", reason.c_str(), count);
        out << line;
    }
    std::snprintf(line, sizeof line, "  %-28s %10zu\n", "unfinished", load.unfinished);
    out << line;
    std::snprintf(line, sizeof line, "  %-28s %10zu\n", "refused by HTTP", load.http_failures);
    out << line;
    std::snprintf(line, sizeof line, "  %-28s %10.1f\n", "placed per second", load.placed_per_second);
    out << line;
    std::snprintf(line, sizeof line, "  %-28s %10.1f\n", "completed per second", load.completed_per_second);
    out << line;
    std::snprintf(line, sizeof line, "  %-28s %10.1f\n  %-28s %10.1f\n  %-28s %10.1f\n", "latency p50 (ms)",
                  load.p50_ms, "latency p99 (ms)", load.p99_ms, "latency max (ms)", load.max_ms);
    out << line;
    for (const auto& e : load.http_errors) out << "  ! " << e << "\n";
    out << "\n  invariants (DESIGN.md §10)\n";
    for (const auto& p : invariants.passed) out << "  ok    " << p << "\n";
    for (const auto& f : invariants.failed) out << "  FAIL  " << f << "\n";
    out << (invariants.ok() ? "\n  all invariants hold\n" : "\n  INVARIANTS FAILED\n");
}

}  // namespace courier::demo
