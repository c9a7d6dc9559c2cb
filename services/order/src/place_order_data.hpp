#pragma once
// The PlaceOrder saga's data: the order as placed, the lines once the listings confirmed them, and
// the reason a participant gave for a rejection. Stored as JSON in courier_saga_instance.data.

#include <optional>
#include <string>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/schemas/store/common.hpp"
#include "courier/schemas/store/order_events.hpp"

namespace courier::order {

struct PlaceOrderData {
    schemas::store::OrderPlaced placed;
    std::vector<schemas::store::OrderLine> lines;   ///< empty until the listings confirmed
    std::optional<schemas::store::Reason> reason;   ///< from a rejection

    std::string to_json() const;
    static Result<PlaceOrderData> from_json(const std::string& json);

    /// The lines for a compensation: the confirmed ones, or — when the confirmation never came
    /// back (a timeout) — the placed items with the nil product id; participants release by order
    /// id, so the product id there is informational.
    std::vector<schemas::store::OrderLine> lines_or_items() const;
};

}  // namespace courier::order
