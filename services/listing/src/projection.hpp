#pragma once
// The storefront's projection of product availability, shared by the live consumer and rebuild.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/pg/connection.hpp"

namespace courier::listing {

struct Availability {
    std::string product_id;
    int64_t available = 0;
    int64_t version = 0;
};

/// The product event types the projection reads.
std::array<std::string_view, 3> projected_types() noexcept;

/// A product event's availability; poison for a payload that does not match its type's schema,
/// permanent for a type the projection does not read.
Result<Availability> availability_of(std::string_view type, std::string_view payload);

/// Upserts into `table` (product_availability or its rebuild twin): newest version wins, so
/// repeated and out-of-order events change nothing.
Result<void> upsert_availability(pg::Connection& connection, const std::string& table,
                                 const std::vector<Availability>& rows);

}  // namespace courier::listing
