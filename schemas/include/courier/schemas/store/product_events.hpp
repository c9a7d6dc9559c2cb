#pragma once
// Topic store.product.events (key: product id): the catalog and warehouse facts the listing service
// projects. Each event carries the product's whole state and a version, so a projection can apply
// "newest version wins" and be rebuilt by replay.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "courier/core/result.hpp"

namespace courier::schemas::store {

/// A product was added to the catalog.
struct ProductCreated {
    static constexpr std::string_view kType = "store.product.created.v1";
    static constexpr std::string_view kTopic = "store.product.events";

    std::string product_id;  ///< UUID
    int64_t version = 1;     ///< 1 for the first event of a product, +1 per change
    std::string sku;         ///< 1..64 of [A-Za-z0-9._-], starting alphanumeric
    std::string name;        ///< 1..200 characters
    int64_t price_cents = 0;
    int64_t stock = 0;  ///< units in the warehouse, reserved ones included
    int64_t reserved = 0;
    int64_t available = 0;  ///< stock - reserved

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ProductCreated> from_json(std::string_view payload);
    bool operator==(const ProductCreated&) const = default;
};

/// A product's sku, name or price changed (whole state, as in ProductCreated).
struct ProductUpdated {
    static constexpr std::string_view kType = "store.product.updated.v1";
    static constexpr std::string_view kTopic = "store.product.events";

    std::string product_id;
    int64_t version = 1;
    std::string sku;
    std::string name;
    int64_t price_cents = 0;
    int64_t stock = 0;
    int64_t reserved = 0;
    int64_t available = 0;

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<ProductUpdated> from_json(std::string_view payload);
    bool operator==(const ProductUpdated&) const = default;
};

/// What changed a product's stock.
enum class StockChangeCause { adjusted, reserved, released, committed };

std::string_view to_string(StockChangeCause cause) noexcept;
std::optional<StockChangeCause> parse_stock_change_cause(std::string_view text) noexcept;

/// A product's stock, reserved or available units changed.
struct StockChanged {
    static constexpr std::string_view kType = "store.product.stock-changed.v1";
    static constexpr std::string_view kTopic = "store.product.events";

    std::string product_id;
    int64_t version = 1;
    int64_t stock = 0;
    int64_t reserved = 0;
    int64_t available = 0;
    StockChangeCause cause = StockChangeCause::adjusted;
    std::optional<std::string> order_id;  ///< the order behind a reserved/released/committed change

    std::string to_json() const;
    /// Validates against kType's schema; errors are poison.
    static Result<StockChanged> from_json(std::string_view payload);
    bool operator==(const StockChanged&) const = default;
};

}  // namespace courier::schemas::store
