#pragma once
// Connection strings (DSNs) in both libpq forms: URIs ("postgresql://user:pw@host:5432/db?x=y")
// and key=value lists ("host=h port=5432 dbname=db password=pw").

#include <string>
#include <string_view>

namespace courier::pg {

/// `dsn` without its password, safe to print or log: the ":password" of a URI's user info and
/// any password parameter (URI query or key=value) are removed; everything else is kept as
/// written. A DSN that cannot be understood comes back as "<unparsable DSN>" rather than risk
/// leaking it. Thread-safe, never blocks, never throws except std::bad_alloc.
std::string redact_dsn(std::string_view dsn);

/// `dsn` pointed at another database on the same server with the same credentials and options,
/// in key=value form. Throws courier::ConfigError naming libpq's complaint (never the password)
/// when `dsn` does not parse. Thread-safe, never blocks.
std::string dsn_with_database(std::string_view dsn, std::string_view database);

}  // namespace courier::pg
