#pragma once
// What integration tests need from the outside world, and names that never collide.
// The test script (scripts/test) starts real Kafka and PostgreSQL and exports where they are.

#include <string>
#include <string_view>

namespace courier::testing {

/// $COURIER_TEST_KAFKA_BOOTSTRAP. When unset, throws std::runtime_error saying to run the
/// tests through scripts/test (or to start scripts/kafka and export the variable) — tests that
/// need Kafka then fail loudly; they never skip.
std::string kafka_bootstrap();

/// $COURIER_TEST_PG_DSN, with the same loud failure when unset.
std::string pg_dsn();

/// $`variable`, which scripts/test exports; when unset, throws std::runtime_error saying that
/// the test needs a real `what` and that `script` starts one.
std::string required_env(const char* variable, std::string_view what, std::string_view script);

/// A name unique to this process and call, e.g. "orders-3f9a1c-7": prefix, a random run id
/// and a counter. Topic-, group- and database-safe (lowercase letters, digits, '-', '_').
std::string unique_name(std::string_view prefix);

}  // namespace courier::testing
