// The schema files themselves: every store type has one, each is a valid draft-04 schema, its examples
// validate, and each rule rejects what it should.

#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

#include <algorithm>
#include <functional>
#include <set>

#include "courier/schemas/schema_catalog.hpp"
#include "schema_test_support.hpp"

using courier::schemas::SchemaCatalog;
using namespace courier::schemas::testing;

namespace {

const std::vector<std::string> kStoreTypes = {
    "store.order.placed.v1",
    "store.order.placed.v2",
    "store.order.confirmed.v1",
    "store.order.cancelled.v1",
    "store.product.reserve-stock.v1",
    "store.product.release-stock.v1",
    "store.product.commit-stock.v1",
    "store.product.stock-reserved.v1",
    "store.product.stock-rejected.v1",
    "store.product.stock-released.v1",
    "store.product.created.v1",
    "store.product.updated.v1",
    "store.product.stock-changed.v1",
    "store.listing.confirm-listing.v1",
    "store.listing.release-listing.v1",
    "store.listing.listing-confirmed.v1",
    "store.listing.listing-rejected.v1",
    "store.listing.listing-released.v1",
    "store.listing.created.v1",
    "store.listing.updated.v1",
};

const SchemaCatalog& catalog() { return SchemaCatalog::embedded(); }

std::string first_example(const std::string& type) { return examples_of(catalog().find(type)->text).at(0); }

// The example of `type` with the value at `pointer` replaced by `json` (or removed when json is empty).
std::string edited(const std::string& type, const char* pointer, const std::string& json) {
    auto document = parse(first_example(type));
    if (json.empty()) {
        rapidjson::Pointer(pointer).Erase(document);
    } else {
        auto value = parse(json);
        rapidjson::Pointer(pointer).Set(document, rapidjson::Value(value, document.GetAllocator()));
    }
    return to_text(document);
}

std::string repeated(char c, std::size_t n) { return "\"" + std::string(n, c) + "\""; }

// Walks a schema and calls `visit(schema, location)` on every object reached through properties,
// items, definitions and additionalProperties.
void walk(const rapidjson::Value& schema, const std::string& at,
          const std::function<void(const rapidjson::Value&, const std::string&)>& visit) {
    if (!schema.IsObject()) return;
    visit(schema, at);
    for (const char* group : {"properties", "definitions"}) {
        if (!schema.HasMember(group)) continue;
        for (const auto& m : schema[group].GetObject())
            walk(m.value, at + "/" + group + "/" + m.name.GetString(), visit);
    }
    if (schema.HasMember("items")) walk(schema["items"], at + "/items", visit);
}

}  // namespace

TEST(SchemaFiles, EveryStoreTypeOfDesignSection10HasASchemaAndNothingElseIsInTheCatalog) {
    std::vector<std::string> listed;
    for (const auto& info : catalog().list()) listed.push_back(info.type);
    auto expected = kStoreTypes;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(listed, expected);
}

TEST(SchemaFiles, EveryFileInTheSourceFolderLoadsAndCompilesAsDraft04AndMatchesTheEmbeddedCopy) {
    auto from_folder = SchemaCatalog::load_directory(COURIER_SCHEMAS_DIR);
    ASSERT_EQ(from_folder.size(), catalog().size());
    for (const auto& info : from_folder.list()) {
        auto embedded = catalog().find(info.type);
        ASSERT_TRUE(embedded) << info.type;
        EXPECT_EQ(embedded->text, info.text) << info.file << " changed since the build embedded it";
        EXPECT_EQ(embedded->file, std::filesystem::path(info.file).parent_path().filename().string() + "/" +
                                      std::filesystem::path(info.file).filename().string());
    }
}

TEST(SchemaFiles, EverySchemaDeclaresDraft04ATitleEqualToItsTypeADescriptionAndAClosedTopLevelObject) {
    for (const auto& info : catalog().list()) {
        auto schema = parse(info.text);
        SCOPED_TRACE(info.file);
        EXPECT_STREQ(schema["$schema"].GetString(), "http://json-schema.org/draft-04/schema#");
        EXPECT_EQ(schema["title"].GetString(), info.type);
        EXPECT_GT(info.description.size(), 20u);
        EXPECT_STREQ(schema["type"].GetString(), "object");
        EXPECT_FALSE(schema["additionalProperties"].GetBool());
        EXPECT_GE(schema["required"].Size(), 2u);
        EXPECT_GE(schema["examples"].Size(), 1u);
    }
}

TEST(SchemaFiles, EveryValueIsBoundedStringsByLengthPatternOrEnumNumbersByMinimumAndMaximumArraysByMaxItems) {
    for (const auto& info : catalog().list()) {
        walk(parse(info.text), "#", [&](const rapidjson::Value& s, const std::string& at) {
            if (!s.HasMember("type")) return;
            std::string type = s["type"].GetString();
            SCOPED_TRACE(info.file + " " + at);
            if (type == "string") {
                EXPECT_TRUE(s.HasMember("maxLength") || s.HasMember("pattern") || s.HasMember("enum"));
            } else if (type == "integer") {
                EXPECT_TRUE(s.HasMember("minimum") && s.HasMember("maximum"));
            } else if (type == "array") {
                EXPECT_TRUE(s.HasMember("maxItems") && s.HasMember("items"));
            } else if (type == "object") {
                EXPECT_TRUE(s.HasMember("additionalProperties") && !s["additionalProperties"].GetBool());
            }
        });
    }
}

TEST(SchemaFiles, EveryFormatIsBackedByAPatternBecauseRapidJsonDoesNotCheckFormats) {
    for (const auto& info : catalog().list()) {
        walk(parse(info.text), "#", [&](const rapidjson::Value& s, const std::string& at) {
            if (s.HasMember("format")) {
                EXPECT_TRUE(s.HasMember("pattern")) << info.file << " " << at;
            }
        });
    }
}

TEST(SchemaFiles, EveryExampleIsValidForProducersAndConsumers) {
    for (const auto& info : catalog().list()) {
        auto examples = examples_of(info.text);
        ASSERT_FALSE(examples.empty()) << info.file;
        for (const auto& example : examples) {
            auto produced = catalog().validate(info.type, example);
            EXPECT_TRUE(produced) << info.type << ": " << (produced ? "" : produced.error().describe());
            EXPECT_TRUE(catalog().validate_consumed(info.type, example)) << info.type;
        }
    }
}

TEST(SchemaFiles, LeavingOutAnyRequiredPropertyOfAnySchemaIsInvalidAndNamesIt) {
    for (const auto& info : catalog().list()) {
        auto schema = parse(info.text);
        for (const auto& name : schema["required"].GetArray()) {
            auto payload = edited(info.type, ("/" + std::string(name.GetString())).c_str(), "");
            auto result = catalog().validate(info.type, payload);
            ASSERT_FALSE(result) << info.type << " without " << name.GetString();
            EXPECT_EQ(result.error().code, "schema.invalid");
            EXPECT_NE(result.error().message.find("\"required\" failed"), std::string::npos)
                << result.error().message;
            EXPECT_NE(result.error().message.find(std::string("missing \"") + name.GetString() + "\""),
                      std::string::npos)
                << result.error().message;
        }
    }
}

TEST(SchemaFiles, AnUnknownPropertyAtTheTopOrInsideAnItemIsInvalidInEverySchema) {
    for (const auto& info : catalog().list()) {
        auto result = catalog().validate(info.type, edited(info.type, "/unexpected", "1"));
        ASSERT_FALSE(result) << info.type;
        EXPECT_NE(result.error().message.find("at #/unexpected: \"additionalProperties\" failed"),
                  std::string::npos)
            << result.error().message;
        auto example = parse(first_example(info.type));
        if (example.HasMember("items")) {
            auto nested = catalog().validate(info.type, edited(info.type, "/items/0/colour", "\"red\""));
            ASSERT_FALSE(nested) << info.type;
            EXPECT_NE(nested.error().message.find("at #/items/0/colour"), std::string::npos)
                << nested.error().message;
        }
    }
}

TEST(SchemaFiles, AValueOfTheWrongJsonTypeIsInvalidForEveryTopLevelPropertyOfEverySchema) {
    for (const auto& info : catalog().list()) {
        auto example = parse(first_example(info.type));
        for (const auto& member : example.GetObject()) {
            std::string wrong = member.value.IsString() ? "42" : member.value.IsArray() ? "{}" : "\"text\"";
            std::string pointer = "/" + std::string(member.name.GetString());
            auto result = catalog().validate(info.type, edited(info.type, pointer.c_str(), wrong));
            ASSERT_FALSE(result) << info.type << pointer;
            EXPECT_NE(result.error().message.find("at #" + pointer + ": \"type\" failed"), std::string::npos)
                << result.error().message;
        }
    }
}

struct InvalidCase {
    std::string type;
    const char* pointer;
    std::string json;      // "" removes the value
    std::string expected;  // part of the error message
};

TEST(SchemaFiles, EachRuleRejectsWhatItShouldWithTheInstancePointerAndTheRule) {
    const std::string order = "store.order.placed.v1";
    const std::vector<InvalidCase> cases = {
        {order, "/order_id", "\"not-a-uuid\"",
         "at #/order_id: \"pattern\" failed (schema #/definitions/uuid/pattern"},
        {order, "/order_id", "\"2b9a3c1e-5d47-4f0a-9c61-7e8d2f4a6b10x\"", "at #/order_id: \"pattern\""},
        {order, "/customer_id", "\"\"", "at #/customer_id: \"minLength\" failed"},
        {order, "/customer_id", "\"has space\"", "at #/customer_id: \"pattern\" failed"},
        {order, "/customer_id", repeated('c', 65),
         "\"maxLength\" failed (schema #/definitions/customer_id/maxLength = 64)"},
        {order, "/items", "[]", "at #/items: \"minItems\" failed"},
        {order, "/items/0/quantity", "0",
         "at #/items/0/quantity: \"minimum\" failed (schema #/definitions/quantity/minimum = 1); got 0"},
        {order, "/items/0/quantity", "1000001", "\"maximum\" failed"},
        {order, "/items/0/quantity", "1.5", "at #/items/0/quantity: \"type\" failed"},
        {order, "/items/0/unit_price_cents", "-1",
         "\"minimum\" failed (schema #/definitions/cents/minimum = 0)"},
        {order, "/items/0/product_id", "\"c5d6e7f8-a9b0-4c1d-9e2f-3a4b5c6d7e8f\"",
         "at #/items/0/product_id: \"additionalProperties\""},
        {order, "/total_cents", "100000000001", "at #/total_cents: \"maximum\" failed"},
        {"store.order.placed.v2", "/customer_note", repeated('n', 501),
         "at #/customer_note: \"maxLength\" failed"},
        {"store.order.placed.v2", "/customer_note", "7", "at #/customer_note: \"type\" failed"},
        {"store.order.confirmed.v1", "/items/0/product_id", "", "at #/items/0: \"required\" failed"},
        {"store.order.cancelled.v1", "/reason/code", "\"lost\"", "at #/reason/code: \"enum\" failed"},
        {"store.order.cancelled.v1", "/reason/message", "\"\"", "at #/reason/message: \"minLength\" failed"},
        {"store.product.reserve-stock.v1", "/items/0/listing_id", "\"7F3E9A2B-1C4D-4E5F-8A6B\"",
         "\"pattern\" failed"},
        {"store.product.release-stock.v1", "/order_id", "null", "at #/order_id: \"type\" failed"},
        {"store.product.commit-stock.v1", "/items/1/quantity", "-3", "at #/items/1/quantity: \"minimum\""},
        {"store.product.stock-reserved.v1", "/items/0/unit_price_cents", "\"1999\"", "\"type\" failed"},
        {"store.product.stock-rejected.v1", "/reason/code", "\"price_changed\"",
         "at #/reason/code: \"enum\" failed"},
        {"store.product.stock-rejected.v1", "/shortages/0/requested", "0",
         "at #/shortages/0/requested: \"minimum\""},
        {"store.product.stock-rejected.v1", "/shortages/0/available", "-1",
         "at #/shortages/0/available: \"minimum\""},
        {"store.product.stock-released.v1", "/items", "{}", "at #/items: \"type\" failed"},
        {"store.product.created.v1", "/sku", "\"-MUG\"", "at #/sku: \"pattern\" failed"},
        {"store.product.created.v1", "/name", repeated('x', 201), "at #/name: \"maxLength\" failed"},
        {"store.product.created.v1", "/stock", "-1", "at #/stock: \"minimum\" failed"},
        {"store.product.updated.v1", "/version", "0", "at #/version: \"minimum\" failed"},
        {"store.product.updated.v1", "/price_cents", "19.99", "at #/price_cents: \"type\" failed"},
        {"store.product.stock-changed.v1", "/cause", "\"stolen\"", "at #/cause: \"enum\" failed"},
        {"store.product.stock-changed.v1", "/order_id", "\"x\"", "at #/order_id: \"pattern\" failed"},
        {"store.listing.confirm-listing.v1", "/items/0/product_id",
         "\"c5d6e7f8-a9b0-4c1d-9e2f-3a4b5c6d7e8f\"",
         "at #/items/0/product_id: \"additionalProperties\" failed"},
        {"store.listing.release-listing.v1", "/items", "[]", "at #/items: \"minItems\""},
        {"store.listing.listing-confirmed.v1", "/items/0/listing_id", "", "missing \"listing_id\""},
        {"store.listing.listing-rejected.v1", "/reason/code", "\"insufficient_stock\"",
         "at #/reason/code: \"enum\""},
        {"store.listing.listing-rejected.v1", "/listing_id", "\"\"", "at #/listing_id: \"pattern\""},
        {"store.listing.listing-released.v1", "/order_id", "17", "at #/order_id: \"type\" failed"},
        {"store.listing.created.v1", "/active", "\"yes\"", "at #/active: \"type\" failed"},
        {"store.listing.created.v1", "/title", "\"\"", "at #/title: \"minLength\" failed"},
        {"store.listing.updated.v1", "/quantity", "-1", "at #/quantity: \"minimum\" failed"},
        {"store.listing.updated.v1", "/price_cents", "100000000001", "at #/price_cents: \"maximum\" failed"},
    };
    std::set<std::string> covered;
    for (const auto& c : cases) {
        auto payload = edited(c.type, c.pointer, c.json);
        auto result = catalog().validate(c.type, payload);
        ASSERT_FALSE(result) << c.type << " " << c.pointer << " = " << c.json;
        EXPECT_EQ(result.error().kind, courier::ErrorKind::permanent);
        EXPECT_NE(result.error().message.find(c.type + ": invalid payload "), std::string::npos);
        EXPECT_NE(result.error().message.find(c.expected), std::string::npos)
            << "expected '" << c.expected << "' in: " << result.error().message;
        covered.insert(c.type);
    }
    EXPECT_EQ(covered.size(), kStoreTypes.size()) << "every schema has a hand-written invalid case";
}

TEST(SchemaFiles, AnArrayOverItsMaxItemsIsInvalid) {
    auto document = parse(first_example("store.product.reserve-stock.v1"));
    auto& items = document["items"];
    rapidjson::Value line(items[0], document.GetAllocator());
    while (items.Size() < 101)
        items.PushBack(rapidjson::Value(line, document.GetAllocator()), document.GetAllocator());
    auto result = catalog().validate("store.product.reserve-stock.v1", to_text(document));
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().message.find(
                  "at #/items: \"maxItems\" failed (schema #/properties/items/maxItems = 100); "
                  "got 101 items"),
              std::string::npos)
        << result.error().message;
}
