#pragma once
// Value types shared by the demo store's messages (DESIGN.md §10). Money is integer cents.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace courier::schemas::store {

/// One line of an order as the customer placed it: a listing, how many units, the quoted unit price.
struct OrderItem {
    std::string listing_id;  ///< UUID
    int64_t quantity = 0;    ///< 1..1,000,000
    int64_t unit_price_cents = 0;
    bool operator==(const OrderItem&) const = default;
};

/// One line of an order once the listing service resolved the listing's product.
struct OrderLine {
    std::string listing_id;  ///< UUID
    std::string product_id;  ///< UUID
    int64_t quantity = 0;    ///< 1..1,000,000
    int64_t unit_price_cents = 0;
    bool operator==(const OrderLine&) const = default;
};

/// Why a step was rejected or an order cancelled. Each rejection schema allows only its own codes:
/// listing-rejected the listing_* ones, price_changed and insufficient_quantity; stock-rejected
/// product_not_found and insufficient_stock; order.cancelled all of them and timeout.
enum class ReasonCode {
    listing_not_found,
    listing_inactive,
    price_changed,
    insufficient_quantity,
    product_not_found,
    insufficient_stock,
    timeout,
};

/// The code as it appears in JSON, e.g. "insufficient_stock".
std::string_view to_string(ReasonCode code) noexcept;
/// The code for its JSON text, or nullopt for an unknown one.
std::optional<ReasonCode> parse_reason_code(std::string_view text) noexcept;

struct Reason {
    ReasonCode code = ReasonCode::timeout;
    std::string message;  ///< 1..500 characters, for people
    bool operator==(const Reason&) const = default;
};

/// Sum of quantity × unit_price_cents (what total_cents must say); INT64_MAX when it would overflow.
int64_t total_cents(const std::vector<OrderItem>& items) noexcept;
int64_t total_cents(const std::vector<OrderLine>& lines) noexcept;

}  // namespace courier::schemas::store
