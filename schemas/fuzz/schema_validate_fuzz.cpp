// libFuzzer harness for the validation entry points. Input: "<ce_type>\n<payload>" (no newline: the
// whole input is a payload of an empty type). Besides "no crash, no sanitizer report", it checks that
// the producer and consumer sides agree, that consumer errors are poison, and that a payload the
// catalog accepts decodes into its struct and encodes back into a payload the catalog accepts.
//
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCOURIER_FUZZ=ON \
//         -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"
//   ninja -C build-fuzz schema_validate_fuzz
//   build-fuzz/schemas/schema_validate_fuzz -max_total_time=120 work/ schemas/fuzz/corpus/

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>

#include "courier/schemas/schema_catalog.hpp"
#include "courier/schemas/store/listing_commands.hpp"
#include "courier/schemas/store/listing_events.hpp"
#include "courier/schemas/store/listing_replies.hpp"
#include "courier/schemas/store/order_events.hpp"
#include "courier/schemas/store/product_commands.hpp"
#include "courier/schemas/store/product_events.hpp"
#include "courier/schemas/store/product_replies.hpp"

namespace {

using namespace courier::schemas;
using namespace courier::schemas::store;

template <typename T>
courier::Result<T> decode(std::string_view payload, std::string_view type) {
    if constexpr (std::is_same_v<T, OrderPlaced>) {
        return T::from_json(payload, type);  // the one struct that reads two versions
    } else {
        (void)type;
        return T::from_json(payload);
    }
}

// Decodes, re-encodes, and checks the new payload is valid and decodes to the same value.
template <typename T>
bool round_trips(std::string_view payload, std::string_view type) {
    auto first = decode<T>(payload, type);
    if (!first) return false;
    auto json = first->to_json();
    if (!SchemaCatalog::embedded().validate(type, json)) return false;
    auto second = decode<T>(json, type);
    return second && *second == *first;
}

using Check = std::function<bool(std::string_view, std::string_view)>;

const std::map<std::string, Check, std::less<>>& round_trip_checks() {
    static const std::map<std::string, Check, std::less<>> table = {
        {"store.order.placed.v1", round_trips<OrderPlaced>},
        {"store.order.placed.v2", round_trips<OrderPlaced>},
        {"store.order.confirmed.v1", round_trips<OrderConfirmed>},
        {"store.order.cancelled.v1", round_trips<OrderCancelled>},
        {"store.product.reserve-stock.v1", round_trips<ReserveStock>},
        {"store.product.release-stock.v1", round_trips<ReleaseStock>},
        {"store.product.commit-stock.v1", round_trips<CommitStock>},
        {"store.product.stock-reserved.v1", round_trips<StockReserved>},
        {"store.product.stock-rejected.v1", round_trips<StockRejected>},
        {"store.product.stock-released.v1", round_trips<StockReleased>},
        {"store.product.created.v1", round_trips<ProductCreated>},
        {"store.product.updated.v1", round_trips<ProductUpdated>},
        {"store.product.stock-changed.v1", round_trips<StockChanged>},
        {"store.listing.confirm-listing.v1", round_trips<ConfirmListing>},
        {"store.listing.release-listing.v1", round_trips<ReleaseListing>},
        {"store.listing.listing-confirmed.v1", round_trips<ListingConfirmed>},
        {"store.listing.listing-rejected.v1", round_trips<ListingRejected>},
        {"store.listing.listing-released.v1", round_trips<ListingReleased>},
        {"store.listing.created.v1", round_trips<ListingCreated>},
        {"store.listing.updated.v1", round_trips<ListingUpdated>},
    };
    return table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& catalog = SchemaCatalog::embedded();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto newline = input.find('\n');
    auto type = newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
    auto payload = newline == std::string_view::npos ? input : input.substr(newline + 1);

    auto produced = catalog.validate(type, payload);
    auto consumed = catalog.validate_consumed(type, payload);
    if (produced.has_value() != consumed.has_value()) __builtin_trap();
    if (!produced && produced.error().kind != courier::ErrorKind::permanent) __builtin_trap();
    if (!consumed && consumed.error().kind != courier::ErrorKind::poison) __builtin_trap();
    if (!consumed && consumed.error().message.empty()) __builtin_trap();

    auto check = round_trip_checks().find(type);
    if (check != round_trip_checks().end()) {
        bool decoded = check->second(payload, type);
        // Validation and typed decoding must agree on every input.
        if (decoded != consumed.has_value()) __builtin_trap();
    }
    return 0;
}
