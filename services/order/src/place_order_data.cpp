#include "place_order_data.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "courier/schemas/store/listing_replies.hpp"

namespace courier::order {

namespace store = courier::schemas::store;

namespace {
std::string text_of(const rapidjson::Value& v) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}
std::string quoted(const std::string& s) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {buffer.GetString(), buffer.GetSize()};
}
}  // namespace

std::string PlaceOrderData::to_json() const {
    std::string out = "{\"placed\":" + placed.to_json();
    if (!lines.empty()) out += ",\"confirmed\":" + store::ListingConfirmed{placed.order_id, lines}.to_json();
    if (reason) {
        out += ",\"reason\":{\"code\":" + quoted(std::string(store::to_string(reason->code))) +
               ",\"message\":" + quoted(reason->message) + "}";
    }
    return out + "}";
}

Result<PlaceOrderData> PlaceOrderData::from_json(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("placed")) {
        return Error::permanent("order.saga_data", "the PlaceOrder saga data is not the expected JSON object");
    }
    PlaceOrderData data;
    auto placed = store::OrderPlaced::from_json(text_of(doc["placed"]));
    if (!placed) return std::move(placed).error();
    data.placed = std::move(*placed);
    if (doc.HasMember("confirmed")) {
        auto confirmed = store::ListingConfirmed::from_json(text_of(doc["confirmed"]));
        if (!confirmed) return std::move(confirmed).error();
        data.lines = std::move(confirmed->items);
    }
    if (doc.HasMember("reason") && doc["reason"].IsObject()) {
        const auto& r = doc["reason"];
        auto code = r.HasMember("code") && r["code"].IsString() ? store::parse_reason_code(r["code"].GetString())
                                                                 : std::nullopt;
        if (code) {
            data.reason = store::Reason{*code, r.HasMember("message") && r["message"].IsString()
                                                   ? r["message"].GetString()
                                                   : std::string()};
        }
    }
    return data;
}

std::vector<store::OrderLine> PlaceOrderData::lines_or_items() const {
    if (!lines.empty()) return lines;
    std::vector<store::OrderLine> out;
    for (const auto& item : placed.items) {
        out.push_back({item.listing_id, "00000000-0000-0000-0000-000000000000", item.quantity, item.unit_price_cents});
    }
    return out;
}

}  // namespace courier::order
