#pragma once
// The launch options both e2e suites start their store with: the build's services, the test
// broker and database, and databases, groups, ports and logs of this run only.

#include <filesystem>
#include <string_view>

#include "courier/demo/store_demo.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/ports.hpp"

namespace courier::testing {

/// Options for a store named `name` (a prefix of its databases, groups and log directory).
inline demo::LaunchOptions test_store_options(std::string_view name) {
    demo::LaunchOptions o;
    o.product_bin = COURIER_PRODUCT_BIN;
    o.listing_bin = COURIER_LISTING_BIN;
    o.order_bin = COURIER_ORDER_BIN;
    o.bootstrap = kafka_bootstrap();
    o.database = pg_dsn();
    const auto run = unique_name(name);
    o.database_prefix = run + "_";
    o.group_prefix = run + "-";
    o.base_port = free_port_block(3);
    o.log_dir = std::filesystem::path(COURIER_TEST_LOG_DIR) / run;
    o.partitions = 4;
    return o;
}

}  // namespace courier::testing
