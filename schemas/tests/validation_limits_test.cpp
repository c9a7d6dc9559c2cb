// Hostile and broken payloads: too large, too deep, malformed, odd bytes. Each is a clear error, never
// a crash, through every entry point.

#include <gtest/gtest.h>

#include "courier/schemas/schema_catalog.hpp"
#include "courier/schemas/store/order_events.hpp"
#include "courier/schemas/store/product_commands.hpp"
#include "schema_test_support.hpp"

using courier::ErrorKind;
using courier::schemas::Limits;
using courier::schemas::SchemaCatalog;
using namespace courier::schemas::testing;

namespace {

// A catalog with one schema that accepts any object, so only the limits can reject a payload.
SchemaCatalog open_catalog(Limits limits = {}) {
    SchemaCatalog catalog;
    catalog.set_limits(limits);
    catalog.add("test.open.v1", "open", kOpenObjectSchema);
    return catalog;
}

// {"a":{"a":...{}...}} with `depth` objects.
std::string nested_objects(std::size_t depth) {
    std::string text;
    for (std::size_t i = 1; i < depth; ++i) text += "{\"a\":";
    text += "{}";
    text += std::string(depth - 1, '}');
    return text;
}

std::string code_of(const courier::Result<void>& result) { return result ? "ok" : result.error().code; }

}  // namespace

TEST(ValidationLimits, DefaultToOneMebibyteAndDepth64) {
    Limits limits;
    EXPECT_EQ(limits.max_bytes, 1024u * 1024u);
    EXPECT_EQ(limits.max_depth, 64u);
    EXPECT_EQ(SchemaCatalog::embedded().limits().max_bytes, 1024u * 1024u);
}

TEST(ValidationLimits, APayloadOverTheSizeLimitIsRefusedBeforeParsing) {
    auto catalog = open_catalog({100, 64});
    std::string at_limit = "{\"a\":\"" + std::string(100 - 8, 'x') + "\"}";
    ASSERT_EQ(at_limit.size(), 100u);
    EXPECT_TRUE(catalog.validate("test.open.v1", at_limit));
    auto over = catalog.validate("test.open.v1", at_limit + " ");
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, "schema.too_large");
    EXPECT_EQ(over.error().message, "test.open.v1: payload of 101 bytes exceeds the limit of 100 bytes");
    // Even malformed text over the limit is refused for its size, proving it was never parsed.
    EXPECT_EQ(code_of(catalog.validate("test.open.v1", std::string(1000, '['))), "schema.too_large");
}

TEST(ValidationLimits, TheDefaultSizeLimitRefusesAPayloadOfTwoMebibytes) {
    std::string huge = "{\"order_id\":\"" + std::string(2 * 1024 * 1024, 'x') + "\"}";
    auto result = SchemaCatalog::embedded().validate_consumed("store.order.placed.v1", huge);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "schema.too_large");
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
}

TEST(ValidationLimits, NestingUpToTheDepthLimitPassesAndOneLevelMoreIsRefused) {
    auto catalog = open_catalog();
    EXPECT_TRUE(catalog.validate("test.open.v1", nested_objects(64)));
    auto deeper = catalog.validate("test.open.v1", nested_objects(65));
    ASSERT_FALSE(deeper);
    EXPECT_EQ(deeper.error().code, "schema.too_deep");
    EXPECT_NE(deeper.error().message.find("deeper than the limit of 64"), std::string::npos)
        << deeper.error().message;
}

TEST(ValidationLimits, TheDepthLimitIsConfigurable) {
    auto catalog = open_catalog({1024, 3});
    EXPECT_TRUE(catalog.validate("test.open.v1", R"({"a": {"b": [1]}})"));
    EXPECT_EQ(code_of(catalog.validate("test.open.v1", R"({"a": {"b": [[1]]}})")), "schema.too_deep");
}

TEST(ValidationLimits, A100000DeepArrayStopsAtTheLimitWithoutOverflowingTheStack) {
    std::string deep = std::string(100000, '[') + std::string(100000, ']');
    for (const auto& type : {"test.open.v1"}) {
        auto result = open_catalog().validate(type, deep);
        ASSERT_FALSE(result);
        EXPECT_EQ(result.error().code, "schema.too_deep");
    }
    // Against a real schema the root type fails first while streaming; the error still reports the depth.
    auto result = SchemaCatalog::embedded().validate_consumed("store.order.placed.v1", deep);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "schema.too_deep");
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
    auto typed = courier::schemas::store::OrderPlaced::from_json(deep);
    ASSERT_FALSE(typed);
    EXPECT_EQ(typed.error().code, "schema.too_deep");
    std::string objects = nested_objects(200000);
    EXPECT_EQ(code_of(open_catalog({4 * 1024 * 1024, 64}).validate("test.open.v1", objects)),
              "schema.too_deep");
}

TEST(ValidationLimits, AnUnclosedDeepArrayIsTooDeepNotACrash) {
    EXPECT_EQ(code_of(open_catalog().validate("test.open.v1", std::string(500000, '['))), "schema.too_deep");
}

TEST(ValidationLimits, MalformedJsonIsUnparsableWithTheReasonAndTheByteOffset) {
    auto catalog = open_catalog();
    struct Case {
        std::string payload;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"", "The document is empty. (at byte 0)"},
        {"{", "(at byte 1)"},
        {"{\"a\":}", "Invalid value. (at byte 5)"},
        {"{\"a\":1,}", "(at byte 7)"},
        {"{\"a\":tru}", "Invalid value."},
        {"{\"a\":\"unterminated}", "Missing a closing quotation mark in string."},
        {"{\"a\":1} {}", "The document root must not be followed by other values. (at byte 8)"},
        {"{\"a\":01}", "(at byte 6)"},
        {"{\"a\":1e400}", "Number too big to be stored in double."},
        {"{'a':1}", "Missing a name for object member."},
        {"{\"a\":\"\\x\"}", "Invalid escape character in string."},
        {"{\"a\":\"\xff\"}", "Invalid encoding in string."},
        {"{\"a\":\"\xc3\"}", "Invalid encoding in string."},
        {"\xEF\xBB\xBF{}", "Invalid value."},
        {std::string("{}\0{\"more\":1}", 13), "unexpected bytes after the document (at byte 2)"},
        {std::string("{\"a\":\0}", 7), "(at byte 5)"},
    };
    for (const auto& c : cases) {
        auto result = catalog.validate("test.open.v1", c.payload);
        ASSERT_FALSE(result) << c.payload;
        EXPECT_EQ(result.error().code, "schema.unparsable") << c.payload << ": " << result.error().message;
        EXPECT_NE(result.error().message.find("test.open.v1: payload is not valid JSON: "),
                  std::string::npos);
        EXPECT_NE(result.error().message.find(c.expected), std::string::npos)
            << "expected '" << c.expected << "' in: " << result.error().message;
    }
}

TEST(ValidationLimits, ASyntaxErrorAfterTheFirstViolationIsReportedAsUnparsable) {
    // Streaming stops at the first violation; the error must still say the payload is not JSON at all.
    auto result =
        SchemaCatalog::embedded().validate("store.order.placed.v1", R"({"order_id": 7, "items": [)");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "schema.unparsable") << result.error().message;
}

TEST(ValidationLimits, AStringWithUPlus0000IsRefusedSoItCannotSlipPastAPattern) {
    // RapidJSON 1.1.0 matches patterns up to the first NUL: "<uuid>\u0000junk" would pass ^uuid$.
    auto order = examples_of(SchemaCatalog::embedded().find("store.order.cancelled.v1")->text).at(0);
    auto sneaky = order.replace(order.find("\"customer-42\""), 13, "\"customer-42\\u0000; drop table\"");
    auto result = SchemaCatalog::embedded().validate("store.order.cancelled.v1", sneaky);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "schema.invalid");
    EXPECT_NE(result.error().message.find("U+0000"), std::string::npos) << result.error().message;
    EXPECT_EQ(code_of(open_catalog().validate("test.open.v1", R"({"k\u0000": 1})")), "schema.invalid");
}

TEST(ValidationLimits, AKeyTwiceInOneObjectIsRefusedBecauseReadersDisagreeOnWhichValueWins) {
    auto example = examples_of(SchemaCatalog::embedded().find("store.order.cancelled.v1")->text).at(0);
    auto twice = example;
    twice.insert(1, "\"customer_id\":\"someone-else\",");
    auto result = SchemaCatalog::embedded().validate_consumed("store.order.cancelled.v1", twice);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, "schema.invalid");
    EXPECT_EQ(result.error().kind, ErrorKind::poison);
    EXPECT_NE(result.error().message.find("has the key \"customer_id\" twice in one object"),
              std::string::npos)
        << result.error().message;
    EXPECT_FALSE(courier::schemas::store::OrderPlaced::from_json(R"({"order_id": 1, "order_id": 2})"));

    auto catalog = open_catalog();
    EXPECT_TRUE(
        catalog.validate("test.open.v1", R"({"a": {"k": 1}, "b": {"k": 2}, "k": [{"k": 3}, {"k": 4}]})"))
        << "the same key in different objects is fine";
    EXPECT_EQ(code_of(catalog.validate("test.open.v1", R"({"a": [{"k": 1, "x": 0, "k": 2}]})")),
              "schema.invalid");
    std::string many = "{";
    for (int i = 0; i < 5000; ++i) many += "\"key" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    EXPECT_TRUE(catalog.validate("test.open.v1", many + "\"last\":0}")) << "5000 distinct keys";
    EXPECT_EQ(code_of(catalog.validate("test.open.v1", many + "\"key17\":0}")), "schema.invalid");
}

TEST(ValidationLimits, WrongRootTypesAreInvalidNotUnparsable) {
    for (const char* payload : {"[]", "null", "42", "\"text\"", "true"}) {
        auto result = SchemaCatalog::embedded().validate("store.order.placed.v1", payload);
        ASSERT_FALSE(result) << payload;
        EXPECT_EQ(result.error().code, "schema.invalid") << payload;
        EXPECT_NE(result.error().message.find("at #: \"type\" failed (schema #/type = \"object\")"),
                  std::string::npos)
            << result.error().message;
    }
}

TEST(ValidationLimits, HugeNumbersAndLongStringsAreOrdinaryViolations) {
    const auto& catalog = SchemaCatalog::embedded();
    auto example = examples_of(catalog.find("store.order.placed.v1")->text).at(0);
    auto replace = [&](const std::string& from, const std::string& to) {
        auto text = example;
        return text.replace(text.find(from), from.size(), to);
    };
    EXPECT_EQ(code_of(catalog.validate("store.order.placed.v1", replace("8498", "18446744073709551616"))),
              "schema.invalid");
    EXPECT_EQ(code_of(catalog.validate("store.order.placed.v1", replace("8498", "-9223372036854775808"))),
              "schema.invalid");
    EXPECT_EQ(
        code_of(catalog.validate("store.order.placed.v1", replace("customer-42", std::string(500000, 'c')))),
        "schema.invalid");
}

TEST(ValidationLimits, EveryEntryPointSurvivesAListOfHostileInputs) {
    const std::vector<std::string> inputs = {"",
                                             " ",
                                             "{",
                                             "}",
                                             "[",
                                             "]",
                                             "{}",
                                             "[]",
                                             "null",
                                             std::string(1, '\0'),
                                             std::string(64, '{'),
                                             std::string(70, '[') + std::string(70, ']'),
                                             "{\"items\":[" + std::string(1000, '{'),
                                             "{\"order_id\":\"\\uD800\"}",
                                             "{\"order_id\":\"\\uDC00\\uD800\"}",
                                             "{\"items\":[1,2,3]}",
                                             "\"\\u0000\"",
                                             "{\"total_cents\":1e308}",
                                             "{\"total_cents\":-0}",
                                             "{\"items\":" + std::string(10000, '[') + "}"};
    const auto& catalog = SchemaCatalog::embedded();
    for (const auto& input : inputs) {
        for (const auto& info : catalog.list()) {
            EXPECT_FALSE(catalog.validate(info.type, input)) << info.type << " accepted " << input;
            EXPECT_FALSE(catalog.validate_consumed(info.type, input));
        }
        EXPECT_FALSE(courier::schemas::store::OrderPlaced::from_json(input));
        EXPECT_FALSE(courier::schemas::store::ReserveStock::from_json(input));
    }
}
