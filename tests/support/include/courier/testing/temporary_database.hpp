#pragma once
// A PostgreSQL database of one's own for an integration test, so tests run in parallel.

#include <string>
#include <string_view>

#include "courier/pg/connection.hpp"

namespace courier::testing {

/// A fresh, uniquely named database on the server of pg_dsn(), dropped WITH (FORCE) when this
/// object is destroyed (connections still open to it are closed by the server). Not copyable or
/// movable. Blocks while creating and dropping.
class TemporaryDatabase {
public:
    /// CREATE DATABASE "<prefix>_<run>_<n>" through a connection to pg_dsn()'s own database.
    /// Throws std::runtime_error when COURIER_TEST_PG_DSN is unset (see pg_dsn()) and
    /// pg::DatabaseError when the server refuses.
    explicit TemporaryDatabase(std::string_view prefix = "courier_test");
    TemporaryDatabase(const TemporaryDatabase&) = delete;
    TemporaryDatabase& operator=(const TemporaryDatabase&) = delete;
    /// Drops the database; a failure is printed to stderr, never thrown.
    ~TemporaryDatabase();

    const std::string& name() const noexcept { return name_; }
    /// A DSN for this database with pg_dsn()'s server, user and options.
    const std::string& dsn() const noexcept { return dsn_; }
    /// A new connection to this database.
    pg::Connection connect() const { return pg::Connection::open(dsn_); }

private:
    std::string admin_dsn_;
    std::string name_;
    std::string dsn_;
};

}  // namespace courier::testing
