// libFuzzer harness for loading untrusted schema text (what `courier schema check` does with any file)
// and for the compatibility walk. A schema either loads or throws SchemaLoadError; one that loads
// must compile, validate payloads without crashing, and be compatible with itself.
//
//   build-fuzz/schemas/schema_load_fuzz -max_total_time=60 work/ schemas/order schemas/product
//   schemas/listing

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "courier/schemas/compatibility.hpp"
#include "courier/schemas/schema_catalog.hpp"
#include "courier/schemas/schema_load_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace courier::schemas;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    SchemaCatalog catalog;
    try {
        catalog.add("fuzz.schema.v1", "fuzz", text);
    } catch (const SchemaLoadError&) {
        return 0;
    }
    for (std::string_view payload : {std::string_view("{}"), std::string_view("[]"), std::string_view("1"),
                                     std::string_view("\"text\""), std::string_view("null"), text}) {
        (void)catalog.validate("fuzz.schema.v1", payload);
    }
    if (!check_compatibility(text, text).compatible()) __builtin_trap();
    return 0;
}
