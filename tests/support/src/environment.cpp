#include "courier/testing/environment.hpp"

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "courier/core/ids.hpp"

namespace courier::testing {

std::string required_env(const char* variable, std::string_view what, std::string_view script) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0') {
        throw std::runtime_error(std::string(variable) + " is not set: this test needs a real " + std::string(what) +
                                 ". Run the tests with scripts/test, which starts the servers, or start one with " +
                                 std::string(script) + " and export " + variable + ".");
    }
    return value;
}

std::string kafka_bootstrap() {
    return required_env("COURIER_TEST_KAFKA_BOOTSTRAP", "Apache Kafka broker", "scripts/kafka start");
}

std::string pg_dsn() { return required_env("COURIER_TEST_PG_DSN", "PostgreSQL server", "scripts/postgres start"); }

std::string unique_name(std::string_view prefix) {
    static const std::string run = new_uuid().substr(0, 8);
    static std::atomic<int> counter{0};
    return std::string(prefix) + "-" + run + "-" + std::to_string(counter.fetch_add(1));
}

}  // namespace courier::testing
