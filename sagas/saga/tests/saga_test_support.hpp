#pragma once
// A database with the outbox, inbox and saga tables, a two-step example saga (ConfirmListing →
// ReserveStock, DESIGN.md §10), and a fake "outbox reader" that shows which commands were
// enqueued by reading courier_outbox directly.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "courier/consumers/inbox_store.hpp"
#include "courier/consumers/middleware/inbox.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/outbox/header_json.hpp"
#include "courier/outbox/outbox_schema.hpp"
#include "courier/pg/connection_pool.hpp"
#include "courier/pg/migration_runner.hpp"
#include "courier/saga/saga_coordinator.hpp"
#include "courier/saga/saga_schema.hpp"
#include "courier/testing/temporary_database.hpp"
#include "example_saga.hpp"

namespace courier::saga::testing {

using namespace std::chrono_literals;

/// One row of courier_outbox, decoded.
struct Sent {
    std::string topic;
    std::string key;
    std::string payload;
    ce::Attributes event;
    Message message;
};

/// A fresh database with every table the coordinator touches.
class SagaDatabase {
public:
    SagaDatabase() : database_("saga") {
        auto c = database_.connect();
        outbox::install(c);
        install(c);
        pg::MigrationRunner(c).apply("courier.inbox", consumers::InboxStore::migrations());
    }
    const std::string& dsn() const { return database_.dsn(); }
    pg::Connection connect() const { return database_.connect(); }

    /// Every message enqueued so far, in id order (the fake outbox reader).
    std::vector<Sent> sent() const {
        auto c = connect();
        auto rows = c.exec("SELECT topic, key, headers::text, payload FROM courier_outbox ORDER BY id");
        std::vector<Sent> out;
        for (const auto& row : rows) {
            Sent s;
            s.topic = row.get<std::string>(0);
            s.key = row.is_null(1) ? "" : row.get<pg::Bytea>(1).bytes;
            s.payload = row.get<pg::Bytea>(3).bytes;
            auto headers = outbox::decode_headers(row.get<std::string_view>(2));
            EXPECT_TRUE(headers.has_value());
            s.message.topic = s.topic;
            s.message.key = s.key;
            s.message.payload = s.payload;
            if (headers) s.message.headers = *headers;
            auto event = ce::read(s.message);
            EXPECT_TRUE(event.has_value());
            if (event) s.event = *event;
            out.push_back(std::move(s));
        }
        return out;
    }
    /// The ce_types of sent(), in order.
    std::vector<std::string> sent_types() const {
        std::vector<std::string> out;
        for (const auto& s : sent()) out.push_back(s.event.type);
        return out;
    }

private:
    courier::testing::TemporaryDatabase database_;
};

/// A reply to `command` as a participant sends it: caused by the command (same correlation id,
/// causation id = the command's id).
inline Message reply_to(const Sent& command, const std::string& type, std::string payload = "{}") {
    Message m;
    m.topic = "store.replies";
    m.payload = std::move(payload);
    ce::stamp(m, ce::caused_by(command.event, type, "/test/participant", command.event.subject));
    return m;
}

}  // namespace courier::saga::testing
