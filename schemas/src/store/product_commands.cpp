#include "courier/schemas/store/product_commands.hpp"

#include "common_codec.hpp"

namespace courier::schemas::store {

std::string ReserveStock::to_json() const { return codec::order_lines_json(order_id, items); }

Result<ReserveStock> ReserveStock::from_json(std::string_view payload) {
    return detail::decode<ReserveStock>(kType, payload, [](detail::FieldReader& r) {
        return ReserveStock{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

std::string ReleaseStock::to_json() const { return codec::order_lines_json(order_id, items); }

Result<ReleaseStock> ReleaseStock::from_json(std::string_view payload) {
    return detail::decode<ReleaseStock>(kType, payload, [](detail::FieldReader& r) {
        return ReleaseStock{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

std::string CommitStock::to_json() const { return codec::order_lines_json(order_id, items); }

Result<CommitStock> CommitStock::from_json(std::string_view payload) {
    return detail::decode<CommitStock>(kType, payload, [](detail::FieldReader& r) {
        return CommitStock{r.text("order_id"), r.list("items", codec::read_line)};
    });
}

}  // namespace courier::schemas::store
