// Building the catalog (from the binary, a folder, or text) and what it says when a schema is broken;
// validating whole messages on the producer and the consumer side; sharing it between threads.

#include "courier/schemas/schema_catalog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "courier/core/cloud_events.hpp"
#include "courier/schemas/schema_load_error.hpp"
#include "schema_test_support.hpp"

using courier::ErrorKind;
using courier::schemas::SchemaCatalog;
using courier::schemas::SchemaLoadError;
using namespace courier::schemas::testing;

namespace {

// The SchemaLoadError that loading `text` as "test/thing.v1.schema.json" throws.
SchemaLoadError load_error(std::string_view text) {
    SchemaCatalog catalog;
    try {
        catalog.add("test.thing.v1", "test/thing.v1.schema.json", text);
    } catch (const SchemaLoadError& e) {
        return e;
    }
    ADD_FAILURE() << "loaded without error: " << text;
    return SchemaLoadError("", "");
}

courier::Message stamped(std::string type, std::string payload) {
    courier::Message m;
    m.topic = "store.product.commands";
    m.payload = std::move(payload);
    courier::ce::Attributes a;
    a.type = std::move(type);
    a.source = "/test";
    courier::ce::stamp(m, a);
    return m;
}

const std::string kReserve = "store.product.reserve-stock.v1";

std::string reserve_example() { return examples_of(SchemaCatalog::embedded().find(kReserve)->text).at(0); }

}  // namespace

TEST(SchemaCatalog, NamesEachTypeAfterItsPrefixDomainFolderFileNameAndVersion) {
    TemporaryFolder folder;
    folder.write("billing/invoice-sent.v3.schema.json", kSmallSchema);
    folder.write("billing/README.md", "not a schema, ignored");
    folder.write("notes.txt", "ignored");
    auto catalog = SchemaCatalog::load_directory(folder.path(), "shop");
    EXPECT_EQ(catalog.size(), 1u);
    EXPECT_TRUE(catalog.contains("shop.billing.invoice-sent.v3"));
    EXPECT_EQ(catalog.find("shop.billing.invoice-sent.v3")->description, "a small test schema");
    auto bare = SchemaCatalog::load_directory(folder.path(), "");
    EXPECT_TRUE(bare.contains("billing.invoice-sent.v3"));
}

TEST(SchemaCatalog, ListsItsSchemasInTypeOrderWithFileAndDescription) {
    auto all = SchemaCatalog::embedded().list();
    ASSERT_EQ(all.size(), SchemaCatalog::embedded().size());
    EXPECT_TRUE(
        std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.type < b.type; }));
    auto placed = SchemaCatalog::embedded().find("store.order.placed.v1");
    ASSERT_TRUE(placed);
    EXPECT_EQ(placed->file, "order/placed.v1.schema.json");
    EXPECT_NE(placed->description.find("PlaceOrder saga"), std::string::npos);
    EXPECT_FALSE(SchemaCatalog::embedded().find("store.order.shipped.v1"));
}

TEST(SchemaCatalog, MalformedJsonFailsStartUpWithTheFileAndTheOffset) {
    auto e = load_error(R"({"type": "object",})");
    EXPECT_EQ(e.file(), "test/thing.v1.schema.json");
    EXPECT_NE(e.reason().find("not valid JSON"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("schema test/thing.v1.schema.json: "), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("(hint: "), std::string::npos) << "ends with a hint";
    EXPECT_EQ(e.kind(), ErrorKind::permanent);
}

TEST(SchemaCatalog, ASchemaWithAKeyTwiceInOneObjectFailsStartUp) {
    // Found by schema_load_fuzz: RapidJSON keeps both members, and which one counts depends on who asks.
    auto e = load_error(R"({"properties": {"n": {"type": "integer"}, "n": {"type": "string"}}})");
    EXPECT_NE(e.reason().find("has the key \"n\" twice in one object"), std::string::npos) << e.what();
}

TEST(SchemaCatalog, ASchemaThatIsNotAJsonObjectFailsStartUp) {
    EXPECT_NE(load_error("[1, 2]").reason().find("not a JSON object"), std::string::npos);
}

TEST(SchemaCatalog, ASchemaThatBreaksTheDraft04MetaSchemaFailsStartUpWithTheRule) {
    auto e = load_error(R"({"type": "strnig"})");
    EXPECT_NE(e.reason().find("not a JSON Schema draft-04 document"), std::string::npos) << e.what();
    EXPECT_NE(e.reason().find("at #/type"), std::string::npos) << e.what();
    auto negative = load_error(R"({"type": "string", "maxLength": -1})");
    EXPECT_NE(negative.reason().find("at #/maxLength"), std::string::npos) << negative.what();
}

TEST(SchemaCatalog, AnUnknownKeywordFailsStartUpBecauseRapidJsonWouldIgnoreIt) {
    auto e = load_error(R"({"type": "array", "maxitems": 3})");
    EXPECT_NE(e.reason().find("unknown keyword \"maxitems\""), std::string::npos) << e.what();
    SchemaCatalog catalog;
    EXPECT_NO_THROW(catalog.add("test.extension.v1", "x", R"({"type": "object", "x-owner": "team-a"})"));
}

TEST(SchemaCatalog, APatternRapidJsonCannotCompileFailsStartUpInsteadOfBeingSkipped) {
    auto e = load_error(R"({"type": "string", "pattern": "^\\d+$"})");
    EXPECT_NE(e.reason().find("at #/pattern: pattern \"^\\d+$\" does not compile"), std::string::npos)
        << e.what();
    auto nested = load_error(R"({"properties": {"a": {"type": "string", "pattern": "(unclosed"}}})");
    EXPECT_NE(nested.reason().find("at #/properties/a/pattern: pattern \"(unclosed\" has a ( without its )"),
              std::string::npos)
        << nested.what();
}

TEST(SchemaCatalog, PatternsThatWouldCrashOrExplodeRapidJsonsRegexCompilerAreRefusedFirst) {
    // RapidJSON 1.1.0 asserts on these (or reads past its stack with NDEBUG), or expands the repeat.
    for (const char* pattern : {"(a", "((a)", "{2}", "^{2}", "a|{3}", "(?:a)", "a{5000}", "[a-z", "a{1,2",
                                "((a{1000}){1000}){1000}", "(a|{2})"}) {
        std::string schema = std::string(R"({"type": "string", "pattern": ")") + pattern + "\"}";
        auto e = load_error(schema);
        EXPECT_NE(e.reason().find("at #/pattern: pattern"), std::string::npos) << pattern << ": " << e.what();
    }
    // RapidJSON compiles every object as a schema, so a pattern anywhere counts (found by schema_load_fuzz).
    auto hidden = load_error(R"({"type": "object", "x-notes": {"sku": {"pattern": "^[A-Z]($"}}})");
    EXPECT_NE(hidden.reason().find("at #/x-notes/sku/pattern"), std::string::npos) << hidden.what();
    auto in_example = load_error(R"({"type": "object", "examples": [{"patternProperties": {"(": {}}}]})");
    EXPECT_NE(in_example.reason().find("at #/examples/0/patternProperties/("), std::string::npos)
        << in_example.what();
    for (const char* pattern : {"^a{2}$", "^(ab|c)+$", "^[a-z-]{1,1000}$", "a?*", "^\\\\(x\\\\)$"}) {
        SchemaCatalog catalog;
        std::string schema = std::string(R"({"type": "string", "pattern": ")") + pattern + "\"}";
        EXPECT_NO_THROW(catalog.add("test.ok.v1", "ok", schema)) << pattern;
    }
}

TEST(SchemaCatalog, ARefThatDoesNotResolveIsRemoteOrLoopsFailsStartUp) {
    EXPECT_NE(load_error(R"({"properties": {"a": {"$ref": "#/definitions/missing"}}})")
                  .reason()
                  .find("does not resolve"),
              std::string::npos);
    EXPECT_NE(load_error(R"({"properties": {"a": {"$ref": "http://example.com/s.json"}}})")
                  .reason()
                  .find("not local"),
              std::string::npos);
    EXPECT_NE(
        load_error(R"({"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}})")
            .reason()
            .find("loops"),
        std::string::npos);
    EXPECT_NE(load_error(R"({"definitions": {"n": {"type": "integer"}},
                             "properties": {"a": {"$ref": "#/definitions/n", "minimum": 1}}})")
                  .reason()
                  .find("\"minimum\" beside $ref is ignored"),
              std::string::npos);
}

TEST(SchemaCatalog, ASchemaNoPayloadCanSatisfyFailsStartUp) {
    EXPECT_NE(load_error(R"({"type": "object", "additionalProperties": false, "required": ["id"]})")
                  .reason()
                  .find("required property \"id\" is not in properties"),
              std::string::npos);
    EXPECT_NE(load_error(R"({"type": "integer", "minimum": 5, "maximum": 1})")
                  .reason()
                  .find("minimum is above maximum"),
              std::string::npos);
}

TEST(SchemaCatalog, AnotherDraftInSchemaFailsStartUp) {
    auto e = load_error(R"({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"})");
    EXPECT_NE(e.reason().find("draft-07"), std::string::npos);
    EXPECT_NE(e.hint().find("draft-04"), std::string::npos);
}

TEST(SchemaCatalog, ATitleThatDiffersFromTheTypeFailsStartUpToCatchCopiedFiles) {
    auto e = load_error(R"({"title": "test.thing.v2", "type": "object"})");
    EXPECT_NE(e.reason().find("title \"test.thing.v2\" differs from its type test.thing.v1"),
              std::string::npos);
}

TEST(SchemaCatalog, AddingATypeTwiceFails) {
    SchemaCatalog catalog;
    catalog.add("test.thing.v1", "a.json", kSmallSchema);
    EXPECT_THROW(catalog.add("test.thing.v1", "b.json", kSmallSchema), SchemaLoadError);
    EXPECT_EQ(catalog.size(), 1u);
}

TEST(SchemaCatalog, FileNamesWithoutNameAndPositiveVersionFailStartUp) {
    for (const char* name : {"placed.schema.json", "placed.v0.schema.json", "placed.v01.schema.json",
                             "Placed.v1.schema.json", "placed.vx.schema.json", "pla_ced.v1.schema.json"}) {
        TemporaryFolder folder;
        folder.write(std::string("order/") + name, kSmallSchema);
        try {
            SchemaCatalog::load_directory(folder.path());
            ADD_FAILURE() << name << " loaded";
        } catch (const SchemaLoadError& e) {
            EXPECT_NE(e.file().find(name), std::string::npos) << e.what();
            EXPECT_NE(e.hint().find("<domain>/<name>.v<N>.schema.json"), std::string::npos) << e.what();
        }
    }
}

TEST(SchemaCatalog, OneBrokenFileAmongGoodOnesFailsTheWholeLoadNamingThatFile) {
    TemporaryFolder folder;
    folder.write("order/a.v1.schema.json", kSmallSchema);
    auto broken = folder.write("order/b.v1.schema.json", R"({"type": )");
    folder.write("order/c.v1.schema.json", kSmallSchema);
    try {
        SchemaCatalog::load_directory(folder.path());
        FAIL() << "loaded";
    } catch (const SchemaLoadError& e) {
        EXPECT_EQ(e.file(), broken.string());
    }
}

TEST(SchemaCatalog, AMissingOrEmptyFolderFailsStartUp) {
    TemporaryFolder folder;
    EXPECT_THROW(SchemaCatalog::load_directory(folder.path() / "nope"), SchemaLoadError);
    try {
        SchemaCatalog::load_directory(folder.path());
        FAIL() << "an empty folder loaded";
    } catch (const SchemaLoadError& e) {
        EXPECT_NE(e.reason().find("holds no"), std::string::npos);
    }
}

TEST(SchemaCatalog, AnUnknownTypeIsNamedWithTheVersionsTheCatalogDoesKnow) {
    auto result = SchemaCatalog::embedded().validate("store.order.placed.v9", "{}");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "schema.unknown_type");
    EXPECT_EQ(result.error().kind, ErrorKind::permanent);
    EXPECT_NE(result.error().message.find("store.order.placed.v1, store.order.placed.v2"), std::string::npos);
    auto consumed = SchemaCatalog::embedded().validate_consumed("store.nothing.v1", "{}");
    ASSERT_FALSE(consumed);
    EXPECT_EQ(consumed.error().kind, ErrorKind::poison);
}

TEST(SchemaCatalog, TheProducerSideRefusesAnInvalidPayloadAsPermanentNamingTypePointerAndRule) {
    auto result = SchemaCatalog::embedded().validate(kReserve, R"({"order_id": "nope", "items": []})");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::permanent);
    EXPECT_EQ(result.error().code, "schema.invalid");
    EXPECT_EQ(
        result.error().message,
        "store.product.reserve-stock.v1: invalid payload at #/order_id: \"pattern\" failed (schema "
        "#/definitions/uuid/pattern = "
        "\"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$\"); got \"nope\"");
}

TEST(SchemaCatalog, AStampedMessageIsValidatedByItsCeType) {
    const auto& catalog = SchemaCatalog::embedded();
    EXPECT_TRUE(catalog.validate(stamped(kReserve, reserve_example())));
    EXPECT_TRUE(catalog.validate_consumed(stamped(kReserve, reserve_example())));
    auto wrong_type = catalog.validate(stamped("store.order.placed.v1", reserve_example()));
    ASSERT_FALSE(wrong_type);
    EXPECT_NE(wrong_type.error().message.find("store.order.placed.v1: invalid payload"), std::string::npos);
}

TEST(SchemaCatalog, TheConsumerSideClassifiesInvalidUnparsableAndUnknownMessagesAsPoisonWithTheirPosition) {
    const auto& catalog = SchemaCatalog::embedded();
    auto invalid = stamped(kReserve, R"({"order_id": "nope", "items": []})");
    invalid.metadata = courier::MessageMetadata{2, 41, 0, "product-service"};
    auto id = std::string(*invalid.headers.get("ce_id"));
    auto result = catalog.validate_consumed(invalid);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
    EXPECT_EQ(result.error().code, "schema.invalid");
    EXPECT_NE(result.error().message.find("message " + id + " on store.product.commands[2]@41: "),
              std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("at #/order_id: \"pattern\" failed"), std::string::npos);

    auto unparsable = catalog.validate_consumed(stamped(kReserve, "{not json"));
    ASSERT_FALSE(unparsable);
    EXPECT_EQ(unparsable.error().kind, ErrorKind::poison);
    EXPECT_EQ(unparsable.error().code, "schema.unparsable");

    auto unknown = catalog.validate_consumed(stamped("store.unheard.of.v1", "{}"));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().kind, ErrorKind::poison);
    EXPECT_EQ(unknown.error().code, "schema.unknown_type");

    courier::Message no_headers;
    no_headers.topic = "store.product.commands";
    no_headers.payload = reserve_example();
    auto missing = catalog.validate_consumed(no_headers);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::poison);
    auto produced = catalog.validate(no_headers);
    ASSERT_FALSE(produced);
    EXPECT_EQ(produced.error().kind, ErrorKind::permanent) << "the producer side never says poison";
}

TEST(SchemaCatalog, ManyThreadsValidatingPatternedSchemasAtOnceAllGetTheRightAnswer) {
    // RapidJSON 1.1.0's regex keeps matching state in the compiled schema; the catalog must lend each
    // thread its own copy, or valid UUIDs start failing (and invalid ones passing) under load.
    const auto& catalog = SchemaCatalog::embedded();
    auto valid = reserve_example();
    auto invalid = valid;
    invalid.replace(invalid.find("6b10"), 4, "6b1Z");  // one character off in the order id
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 3000; ++i) {
                if (!catalog.validate(kReserve, valid)) ++wrong;
                if (catalog.validate(kReserve, invalid)) ++wrong;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
}

TEST(SchemaCatalog, AMovedCatalogKeepsItsSchemas) {
    auto catalog = SchemaCatalog::load_embedded({});
    SchemaCatalog moved = std::move(catalog);
    EXPECT_TRUE(moved.validate(kReserve, reserve_example()));
}
