#pragma once
// JSON of the value types shared by the store's messages; used by each message's to_json/from_json.

#include <string>
#include <vector>

#include "../message_codec.hpp"
#include "courier/schemas/store/common.hpp"

namespace courier::schemas::store::codec {

void write(detail::JsonWriter& w, const OrderItem& item);
void write(detail::JsonWriter& w, const OrderLine& line);
void write_items(detail::JsonWriter& w, const std::vector<OrderItem>& items);
void write_lines(detail::JsonWriter& w, const std::vector<OrderLine>& lines);
void write_reason(detail::JsonWriter& w, const Reason& reason);

OrderItem read_item(detail::FieldReader& r);
OrderLine read_line(detail::FieldReader& r);
Reason read_reason(detail::FieldReader& r);

/// `{"order_id": ..., "items": [lines]}`, the shape of most commands and replies.
std::string order_lines_json(const std::string& order_id, const std::vector<OrderLine>& items);

}  // namespace courier::schemas::store::codec
