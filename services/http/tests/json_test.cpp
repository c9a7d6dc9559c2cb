#include "courier/http/json.hpp"

#include <gtest/gtest.h>

#include "courier/http/response.hpp"

namespace courier::http {
namespace {

Request body(std::string text, std::optional<std::string> content_type = "application/json") {
    Request request;
    request.method = "POST";
    request.target = request.path = "/x";
    request.body = std::move(text);
    if (content_type) request.headers.emplace_back("Content-Type", *content_type);
    return request;
}

// Runs `f`, expecting an HttpError; returns it.
template <typename F>
HttpError error_of(F f) {
    try {
        f();
    } catch (const HttpError& e) {
        return e;
    }
    ADD_FAILURE() << "no HttpError thrown";
    return HttpError(0, "", "");
}

TEST(ParseJsonBody, ParsesAnObject) {
    auto document = parse_json_body(body(R"({"sku":"A-1","stock":5})"));
    EXPECT_EQ(require_string(document, "sku"), "A-1");
    EXPECT_EQ(require_int(document, "stock"), 5);
}

TEST(ParseJsonBody, ReportsMalformedJsonWithRapidJsonsMessageAndTheByteOffset) {
    auto error = error_of([] { parse_json_body(body(R"({"sku": "A", })")); });
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.code(), "malformed_json");
    EXPECT_EQ(std::string(error.what()),
              "request body is not valid JSON: Missing a name for object member. (at byte offset 13)");
}

TEST(ParseJsonBody, RejectsTrailingGarbageAndAnEmptyBody) {
    EXPECT_EQ(error_of([] { parse_json_body(body(R"({} {})")); }).code(), "malformed_json");
    auto empty = error_of([] { parse_json_body(body("")); });
    EXPECT_EQ(empty.code(), "malformed_json");
    EXPECT_NE(std::string(empty.what()).find("empty"), std::string::npos);
}

TEST(ParseJsonBody, Answers415ForAContentTypeThatIsNotJson) {
    auto error = error_of([] { parse_json_body(body("{}", "text/plain")); });
    EXPECT_EQ(error.status(), 415);
    EXPECT_EQ(error.code(), "unsupported_media_type");
    EXPECT_NO_THROW(parse_json_body(body("{}", "Application/JSON; charset=utf-8")));
    EXPECT_NO_THROW(parse_json_body(body("{}", "application/cloudevents+json")));
    EXPECT_NO_THROW(parse_json_body(body("{}", std::nullopt)));
}

TEST(ParseJsonBody, Answers400WhenTheBodyIsNotAnObject) {
    auto error = error_of([] { parse_json_body(body("[1,2]")); });
    EXPECT_EQ(error.status(), 400);
    EXPECT_EQ(error.code(), "invalid_body");
    EXPECT_EQ(std::string(error.what()), "request body must be a JSON object, got array");
}

TEST(RequireField, NamesTheFieldAndWhatWasExpected) {
    auto document = parse_json_body(body(R"({"name": 5, "items": {}, "n": null})"));
    auto missing = error_of([&] { require_string(document, "sku"); });
    EXPECT_EQ(missing.status(), 400);
    EXPECT_EQ(missing.code(), "invalid_field");
    EXPECT_EQ(std::string(missing.what()), "field 'sku' is required: expected a string");
    EXPECT_EQ(std::string(error_of([&] { require_string(document, "name"); }).what()),
              "field 'name' must be a string, got integer");
    EXPECT_EQ(std::string(error_of([&] { require_array(document, "items"); }).what()),
              "field 'items' must be an array, got object");
    EXPECT_EQ(std::string(error_of([&] { require_bool(document, "n"); }).what()),
              "field 'n' must be a boolean, got null");
    EXPECT_TRUE(require_object(document, "items").IsObject());
}

TEST(RequireField, AcceptsOnlyIntegersInInt64Range) {
    auto document = parse_json_body(
        body(R"({"a": -9223372036854775808, "b": 1.0, "c": 1e3, "d": 18446744073709551615, "e": "1"})"));
    EXPECT_EQ(require_int(document, "a"), INT64_MIN);
    EXPECT_EQ(std::string(error_of([&] { require_int(document, "b"); }).what()),
              "field 'b' must be an integer, got a number with a fraction or exponent");
    EXPECT_EQ(error_of([&] { require_int(document, "c"); }).code(), "invalid_field");
    EXPECT_EQ(std::string(error_of([&] { require_int(document, "d"); }).what()),
              "field 'd' must be an integer, got integer out of int64 range");
    EXPECT_EQ(error_of([&] { require_int(document, "e"); }).code(), "invalid_field");
}

TEST(OptionalField, ReadsAbsentAndNullAsNotGivenButRejectsAWrongType) {
    auto document =
        parse_json_body(body(R"({"price_cents": 250, "active": null, "title": "t", "quantity": "3"})"));
    EXPECT_EQ(optional_int(document, "price_cents"), 250);
    EXPECT_FALSE(optional_bool(document, "active").has_value());
    EXPECT_FALSE(optional_int(document, "missing").has_value());
    EXPECT_EQ(optional_string(document, "title"), "t");
    EXPECT_EQ(std::string(error_of([&] { optional_int(document, "quantity"); }).what()),
              "field 'quantity' must be an integer, got string");
    EXPECT_EQ(optional_bool(parse_json_body(body(R"({"active": false})")), "active"), false);
}

TEST(RequireField, NamesNestedFieldsWithTheirContext) {
    auto document = parse_json_body(body(R"({"items": [{"listing_id": "l-1"}, 7]})"));
    const auto& items = require_array(document, "items");
    EXPECT_EQ(require_string(items[0], "listing_id", "items[0]"), "l-1");
    EXPECT_EQ(std::string(error_of([&] { require_int(items[0], "quantity", "items[0]"); }).what()),
              "field 'items[0].quantity' is required: expected an integer");
    auto not_object = error_of([&] { require_int(items[1], "quantity", "items[1]"); });
    EXPECT_EQ(not_object.code(), "invalid_body");
    EXPECT_EQ(std::string(not_object.what()), "'items[1]' must be a JSON object, got integer");
}

TEST(JsonWriter, BuildsResponseBodies) {
    JsonWriter writer;
    writer.begin_object()
        .key("id")
        .string("o-1")
        .key("total")
        .integer(-1250)
        .key("ok")
        .boolean(true)
        .key("reason")
        .null()
        .key("ratio")
        .number(0.5)
        .key("items")
        .begin_array()
        .string("a\"b\n")
        .integer(3)
        .end_array()
        .end_object();
    EXPECT_EQ(writer.str(),
              R"({"id":"o-1","total":-1250,"ok":true,"reason":null,"ratio":0.5,"items":["a\"b\n",3]})");
}

TEST(JsonWriter, WritesParsedValuesAsTheyAre) {
    auto document = parse_json_body(body(R"({ "items" : [ {"q": 1} ] })"));
    JsonWriter writer;
    writer.begin_object().key("copy").value(document["items"]).end_object();
    EXPECT_EQ(writer.str(), R"({"copy":[{"q":1}]})");
    EXPECT_EQ(to_json(document), R"({"items":[{"q":1}]})");
}

}  // namespace
}  // namespace courier::http
