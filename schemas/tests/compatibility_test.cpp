// `courier schema check`: a table of schema changes and the verdict for each, with the schema location
// of every problem.

#include "courier/schemas/compatibility.hpp"

#include <gtest/gtest.h>

#include "courier/schemas/schema_catalog.hpp"
#include "courier/schemas/schema_load_error.hpp"

using courier::schemas::check_compatibility;
using courier::schemas::SchemaCatalog;
using courier::schemas::SchemaLoadError;

namespace {

// A closed object with a bit of everything: required and optional properties, a pattern, an enum,
// numeric and length bounds, a nested array of objects.
const std::string kBase = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "items"],
  "properties": {
    "id": {"type": "string", "pattern": "^[a-f0-9-]+$"},
    "note": {"type": "string", "maxLength": 100},
    "kind": {"type": "string", "enum": ["a", "b"]},
    "count": {"type": "integer", "minimum": 1, "maximum": 10},
    "ratio": {"type": "number"},
    "items": {
      "type": "array",
      "maxItems": 5,
      "items": {
        "type": "object",
        "required": ["sku"],
        "properties": {
          "sku": {"type": "string", "minLength": 1, "maxLength": 20, "format": "sku", "pattern": "^[A-Z]+$"},
          "qty": {"type": "integer", "minimum": 1}
        }
      }
    }
  }
})";

// kBase with each `from` replaced by its `to` (each `from` must occur exactly once).
std::string edit(std::vector<std::pair<std::string, std::string>> replacements, std::string text = kBase) {
    for (const auto& [from, to] : replacements) {
        auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "ambiguous: " << from;
        if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    return text;
}

struct Change {
    const char* what;
    std::string old_schema;
    std::string new_schema;
    std::vector<std::string> pointers;  // the problems' locations; empty: compatible
    std::string message = "";           // part of the first problem's message
};

const std::string kOpenBase = edit({{"\"additionalProperties\": false,", "\"additionalProperties\": true,"}});

}  // namespace

TEST(Compatibility, EachChangeInTheTableGetsItsVerdictAndLocations) {
    const std::vector<Change> table = {
        {"no change", kBase, kBase, {}},
        {"an optional property added to a closed object",
         kBase,
         edit({{"\"ratio\": {\"type\": \"number\"},",
                "\"ratio\": {\"type\": \"number\"}, \"tag\": {\"type\": \"string\"},"}}),
         {}},
        {"a property added and required",
         kBase,
         edit({{"\"required\": [\"id\", \"items\"]", "\"required\": [\"id\", \"items\", \"tag\"]"},
               {"\"ratio\": {\"type\": \"number\"},",
                "\"ratio\": {\"type\": \"number\"}, \"tag\": {\"type\": \"string\"},"}}),
         {"#/required"},
         "property \"tag\" is newly required"},
        {"an optional property made required",
         kBase,
         edit({{"\"required\": [\"id\", \"items\"]", "\"required\": [\"id\", \"items\", \"note\"]"}}),
         {"#/required"},
         "property \"note\" is newly required"},
        {"a required property removed",
         kBase,
         edit({{"\"required\": [\"id\", \"items\"]", "\"required\": [\"items\"]"},
               {"\"id\": {\"type\": \"string\", \"pattern\": \"^[a-f0-9-]+$\"},", ""}}),
         {"#/properties/id"},
         "required property \"id\" removed"},
        {"a required property made optional",
         kBase,
         edit({{"\"required\": [\"id\", \"items\"]", "\"required\": [\"items\"]"}}),
         {"#/required"},
         "property \"id\" is no longer required (readers of OLD rely on it)"},
        {"an optional property removed from a closed object",
         kBase,
         edit({{"\"note\": {\"type\": \"string\", \"maxLength\": 100},", ""}}),
         {"#/properties/note"},
         "property \"note\" removed while additionalProperties is false"},
        {"an optional property removed from an open object",
         kOpenBase,
         edit({{"\"note\": {\"type\": \"string\", \"maxLength\": 100},", ""}}, kOpenBase),
         {}},
        {"a property added to an open object",
         kOpenBase,
         edit({{"\"ratio\": {\"type\": \"number\"},",
                "\"ratio\": {\"type\": \"number\"}, \"tag\": {\"type\": \"string\"},"}},
              kOpenBase),
         {"#/properties/tag"},
         "added to an open object"},
        {"integer widened to number",
         kBase,
         edit({{"\"type\": \"integer\", \"minimum\": 1, \"maximum\": 10",
                "\"type\": \"number\", \"minimum\": 1, \"maximum\": 10"}}),
         {}},
        {"number narrowed to integer",
         kBase,
         edit({{"\"ratio\": {\"type\": \"number\"}", "\"ratio\": {\"type\": \"integer\"}"}}),
         {"#/properties/ratio/type"},
         "type narrowed: \"number\" is no longer accepted"},
        {"a type list widened",
         kBase,
         edit({{"\"note\": {\"type\": \"string\"", "\"note\": {\"type\": [\"string\", \"null\"]"}}),
         {}},
        {"a type list narrowed",
         edit({{"\"note\": {\"type\": \"string\"", "\"note\": {\"type\": [\"string\", \"null\"]"}}),
         kBase,
         {"#/properties/note/type"},
         "\"null\" is no longer accepted"},
        {"an enum value added", kBase, edit({{"[\"a\", \"b\"]", "[\"a\", \"b\", \"c\"]"}}), {}},
        {"an enum value removed",
         kBase,
         edit({{"[\"a\", \"b\"]", "[\"a\"]"}}),
         {"#/properties/kind/enum"},
         "enum value \"b\" removed"},
        {"an enum added where there was none",
         kBase,
         edit({{"\"ratio\": {\"type\": \"number\"}", "\"ratio\": {\"type\": \"number\", \"enum\": [1, 2]}"}}),
         {"#/properties/ratio/enum"}},
        {"minimum raised",
         kBase,
         edit({{"\"minimum\": 1, \"maximum\": 10", "\"minimum\": 2, \"maximum\": 10"}}),
         {"#/properties/count/minimum"},
         "minimum raised from 1 to 2"},
        {"minimum lowered",
         kBase,
         edit({{"\"minimum\": 1, \"maximum\": 10", "\"minimum\": 0, \"maximum\": 10"}}),
         {}},
        {"maximum lowered",
         kBase,
         edit({{"\"maximum\": 10", "\"maximum\": 9"}}),
         {"#/properties/count/maximum"},
         "maximum lowered from 10 to 9"},
        {"maximum raised", kBase, edit({{"\"maximum\": 10", "\"maximum\": 11"}}), {}},
        {"exclusiveMaximum turned on",
         kBase,
         edit({{"\"maximum\": 10", "\"maximum\": 10, \"exclusiveMaximum\": true"}}),
         {"#/properties/count/exclusiveMaximum"}},
        {"a minimum added",
         kBase,
         edit({{"\"ratio\": {\"type\": \"number\"}", "\"ratio\": {\"type\": \"number\", \"minimum\": 0}"}}),
         {"#/properties/ratio/minimum"},
         "minimum added: 0"},
        {"multipleOf added",
         kBase,
         edit({{"\"ratio\": {\"type\": \"number\"}",
                "\"ratio\": {\"type\": \"number\", \"multipleOf\": 0.5}"}}),
         {"#/properties/ratio/multipleOf"}},
        {"maxLength lowered",
         kBase,
         edit({{"\"maxLength\": 100", "\"maxLength\": 50"}}),
         {"#/properties/note/maxLength"},
         "maxLength lowered from 100 to 50"},
        {"maxLength raised", kBase, edit({{"\"maxLength\": 100", "\"maxLength\": 500"}}), {}},
        {"minLength raised inside array items",
         kBase,
         edit({{"\"minLength\": 1", "\"minLength\": 2"}}),
         {"#/properties/items/items/properties/sku/minLength"},
         "minLength raised from 1 to 2"},
        {"maxItems lowered",
         kBase,
         edit({{"\"maxItems\": 5", "\"maxItems\": 4"}}),
         {"#/properties/items/maxItems"}},
        {"minItems added",
         kBase,
         edit({{"\"maxItems\": 5", "\"maxItems\": 5, \"minItems\": 1"}}),
         {"#/properties/items/minItems"},
         "minItems added: 1"},
        {"uniqueItems turned on",
         kBase,
         edit({{"\"maxItems\": 5", "\"maxItems\": 5, \"uniqueItems\": true"}}),
         {"#/properties/items/uniqueItems"}},
        {"a pattern changed",
         kBase,
         edit({{"^[a-f0-9-]+$", "^[a-f0-9]+$"}}),
         {"#/properties/id/pattern"},
         "pattern changed from \"^[a-f0-9-]+$\" to \"^[a-f0-9]+$\""},
        {"a pattern removed", kBase, edit({{", \"pattern\": \"^[a-f0-9-]+$\"", ""}}), {}},
        {"a pattern added",
         kBase,
         edit({{"\"maxLength\": 100", "\"maxLength\": 100, \"pattern\": \"^x\""}}),
         {"#/properties/note/pattern"}},
        {"a format changed deep inside",
         kBase,
         edit({{"\"format\": \"sku\"", "\"format\": \"ean\""}}),
         {"#/properties/items/items/properties/sku/format"}},
        {"a nested minimum raised",
         kBase,
         edit({{"\"qty\": {\"type\": \"integer\", \"minimum\": 1}",
                "\"qty\": {\"type\": \"integer\", \"minimum\": 3}"}}),
         {"#/properties/items/items/properties/qty/minimum"}},
        {"a nested property newly required",
         kBase,
         edit({{"\"required\": [\"sku\"]", "\"required\": [\"sku\", \"qty\"]"}}),
         {"#/properties/items/items/required"}},
        {"additionalProperties turned false",
         kOpenBase,
         kBase,
         {"#/additionalProperties"},
         "additionalProperties turned false"},
        {"additionalProperties turned true", kBase, kOpenBase, {}},
        {"nested additionalProperties turned false",
         kBase,
         edit({{"\"required\": [\"sku\"]", "\"required\": [\"sku\"], \"additionalProperties\": false"}}),
         {"#/properties/items/items/additionalProperties"}},
        {"a bound tightened behind a $ref",
         kBase,
         edit({{"\"count\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 10}",
                "\"count\": {\"$ref\": \"#/definitions/count\"}"},
               {"\"type\": \"object\",\n  \"additionalProperties\"",
                "\"type\": \"object\",\n  \"definitions\": {\"count\": {\"type\": \"integer\", \"minimum\": "
                "1, \"maximum\": 8}},\n  \"additionalProperties\""}}),
         {"#/properties/count/maximum"}},
        {"anyOf added",
         kBase,
         edit({{"\"ratio\": {\"type\": \"number\"}", "\"ratio\": {\"anyOf\": [{\"type\": \"number\"}]}"}}),
         {"#/properties/ratio/anyOf"},
         "cannot prove"},
        {"several problems at once",
         kBase,
         edit({{"\"maxItems\": 5", "\"maxItems\": 3"},
               {"[\"a\", \"b\"]", "[\"b\"]"},
               {"\"maxLength\": 100", "\"maxLength\": 10"}}),
         {"#/properties/note/maxLength", "#/properties/kind/enum", "#/properties/items/maxItems"}},
    };
    for (const auto& change : table) {
        SCOPED_TRACE(change.what);
        auto report = check_compatibility(change.old_schema, change.new_schema);
        std::vector<std::string> pointers;
        for (const auto& p : report.problems) pointers.push_back(p.pointer);
        EXPECT_EQ(pointers, change.pointers);
        EXPECT_EQ(report.compatible(), change.pointers.empty());
        if (!change.message.empty() && !report.problems.empty()) {
            EXPECT_NE(report.problems[0].message.find(change.message), std::string::npos)
                << report.problems[0].message;
        }
    }
}

TEST(Compatibility, OrderPlacedV2IsBackwardCompatibleWithV1ButNotTheOtherWayRound) {
    const auto& catalog = SchemaCatalog::embedded();
    auto v1 = catalog.find("store.order.placed.v1")->text;
    auto v2 = catalog.find("store.order.placed.v2")->text;
    EXPECT_TRUE(check_compatibility(v1, v2).compatible());
    auto back = check_compatibility(v2, v1);
    ASSERT_EQ(back.problems.size(), 1u);
    EXPECT_EQ(back.problems[0].pointer, "#/properties/customer_note");
}

TEST(Compatibility, EverySchemaOfTheCatalogIsCompatibleWithItself) {
    for (const auto& info : SchemaCatalog::embedded().list()) {
        EXPECT_TRUE(check_compatibility(info.text, info.text).compatible()) << info.type;
    }
}

TEST(Compatibility, RecursiveSchemasAreComparedWithoutLoopingForever) {
    const std::string tree =
        R"({"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}},
                                 "name": {"type": "string", "maxLength": 10}}})";
    EXPECT_TRUE(check_compatibility(tree, tree).compatible());
    auto tighter = tree;
    tighter.replace(tighter.find("10"), 2, "5");
    auto report = check_compatibility(tree, tighter);
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_EQ(report.problems[0].pointer, "#/properties/name/maxLength");
}

TEST(Compatibility, ASchemaThatDoesNotLoadIsAnErrorNamingWhichOne) {
    try {
        check_compatibility(kBase, R"({"type": "object", "properties": {"a": {"type": "strng"}}})",
                            "old.json", "new.json");
        FAIL() << "compared a broken schema";
    } catch (const SchemaLoadError& e) {
        EXPECT_EQ(e.file(), "new.json");
    }
    EXPECT_THROW(check_compatibility("{", kBase), SchemaLoadError);
}
