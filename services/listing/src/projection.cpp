#include "projection.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "courier/broker/kafka/range_reader.hpp"
#include "courier/core/errors.hpp"
#include "courier/listing/listing_service.hpp"
#include "courier/pg/transaction.hpp"
#include "courier/schemas/store/product_events.hpp"

namespace courier::listing {

namespace store = courier::schemas::store;

std::array<std::string_view, 3> projected_types() noexcept {
    return {store::ProductCreated::kType, store::ProductUpdated::kType, store::StockChanged::kType};
}

Result<Availability> availability_of(std::string_view type, std::string_view payload) {
    if (type == store::ProductCreated::kType) {
        auto e = store::ProductCreated::from_json(payload);
        if (!e) return std::move(e).error();
        return Availability{e->product_id, e->available, e->version};
    }
    if (type == store::ProductUpdated::kType) {
        auto e = store::ProductUpdated::from_json(payload);
        if (!e) return std::move(e).error();
        return Availability{e->product_id, e->available, e->version};
    }
    if (type == store::StockChanged::kType) {
        auto e = store::StockChanged::from_json(payload);
        if (!e) return std::move(e).error();
        return Availability{e->product_id, e->available, e->version};
    }
    return Error::permanent("listing.unprojected", "the availability projection does not read " + std::string(type));
}

Result<void> upsert_availability(pg::Connection& connection, const std::string& table,
                                 const std::vector<Availability>& rows) {
    if (rows.empty()) return {};
    // Newest version per product first, so one statement never touches a row twice.
    std::map<std::string, Availability> newest;
    for (const auto& r : rows) {
        auto [it, inserted] = newest.emplace(r.product_id, r);
        if (!inserted && r.version > it->second.version) it->second = r;
    }
    std::string ids = "{", available = "{", versions = "{";
    bool first = true;
    for (const auto& [id, r] : newest) {
        if (!first) {
            ids += ',';
            available += ',';
            versions += ',';
        }
        first = false;
        ids += id;
        available += std::to_string(r.available);
        versions += std::to_string(r.version);
    }
    ids += '}';
    available += '}';
    versions += '}';
    auto done = connection.try_exec(
        "INSERT INTO " + table + " AS t (product_id, available, version) "
        "SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) "
        "ON CONFLICT (product_id) DO UPDATE SET available = EXCLUDED.available, version = EXCLUDED.version "
        "WHERE t.version < EXCLUDED.version",
        {ids, available, versions});
    if (!done) return std::move(done).error();
    return {};
}

RebuildReport rebuild_projection(const std::string& database, const Properties& kafka, std::chrono::milliseconds timeout) {
    using namespace std::chrono_literals;
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + timeout;
    RebuildReport report;

    auto connection = pg::Connection::open(database);
    connection.exec(
        "CREATE TABLE IF NOT EXISTS product_availability_rebuild (LIKE product_availability INCLUDING ALL)");
    connection.exec("TRUNCATE product_availability_rebuild");

    // Up to where the topic ends now (RangeReader fixes the ends at start): later events reach
    // the live table through the running consumer and win by version at the switch.
    broker::kafka::RangeReader reader(kafka, broker::kafka::RangeBounds{kProductEvents, {}, {}, {}, {}, {}});
    while (!reader.done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            throw CourierError(ErrorKind::transient,
                               "rebuild: the product events topic was not read to its end within " +
                                   std::to_string(timeout.count()) + " ms; nothing was switched",
                               "check the broker and retry");
        }
        auto batch = reader.poll(1000, 200ms);
        if (!batch) {
            if (batch.error().retriable()) continue;
            throw CourierError(batch.error(), "rebuild: reading " + std::string(kProductEvents));
        }
        std::vector<Availability> rows;
        for (const auto& m : *batch) {
            ++report.events;
            const auto type = m.headers.get("ce_type");
            if (!type) continue;
            auto a = availability_of(*type, m.payload);
            if (!a) {
                spdlog::warn("rebuild: skipping {}: {}", describe_position(m), a.error().describe());
                continue;
            }
            rows.push_back(std::move(*a));
        }
        if (auto up = upsert_availability(connection, "product_availability_rebuild", rows); !up) {
            throw CourierError(up.error(), "rebuild: writing the side table");
        }
    }

    // The switch: one transaction, the live table locked against the consumer for its duration.
    pg::Transaction tx(connection);
    tx.exec("LOCK TABLE product_availability IN EXCLUSIVE MODE");
    tx.exec(
        "INSERT INTO product_availability_rebuild AS r SELECT * FROM product_availability "
        "ON CONFLICT (product_id) DO UPDATE SET available = EXCLUDED.available, version = EXCLUDED.version "
        "WHERE r.version < EXCLUDED.version");
    auto changed = tx.exec(
        "SELECT count(*) FROM product_availability_rebuild r FULL JOIN product_availability a USING (product_id) "
        "WHERE r.available IS DISTINCT FROM a.available OR r.version IS DISTINCT FROM a.version");
    report.changed = static_cast<std::size_t>(changed.get<int64_t>(0, 0));
    tx.exec("DELETE FROM product_availability");
    auto inserted = tx.exec("INSERT INTO product_availability SELECT * FROM product_availability_rebuild");
    report.products = static_cast<std::size_t>(inserted.affected_rows());
    tx.exec("TRUNCATE product_availability_rebuild");
    tx.commit();
    report.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return report;
}

}  // namespace courier::listing
