#include "courier/testing/temporary_database.hpp"

#include <algorithm>
#include <iostream>

#include "courier/pg/dsn.hpp"
#include "courier/testing/environment.hpp"

namespace courier::testing {

TemporaryDatabase::TemporaryDatabase(std::string_view prefix)
    : admin_dsn_(pg_dsn()), name_(unique_name(prefix)) {
    // Underscores keep the name usable unquoted in psql when a test needs debugging.
    std::replace(name_.begin(), name_.end(), '-', '_');
    auto admin = pg::Connection::open(admin_dsn_);
    // template0 is never connected to, so concurrent tests cannot block each other's CREATE.
    admin.exec("CREATE DATABASE " + admin.quote_identifier(name_) + " TEMPLATE template0");
    dsn_ = pg::dsn_with_database(admin_dsn_, name_);
}

TemporaryDatabase::~TemporaryDatabase() {
    try {
        auto admin = pg::Connection::open(admin_dsn_);
        admin.exec("DROP DATABASE IF EXISTS " + admin.quote_identifier(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
        std::cerr << "TemporaryDatabase: cannot drop " << name_ << ": " << e.what() << "\n";
    }
}

}  // namespace courier::testing
