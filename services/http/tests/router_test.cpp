#include "courier/http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "courier/http/json.hpp"

namespace courier::http {
namespace {

Request make(std::string method, std::string target) {
    Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    parse_target(request);
    return request;
}

Handler echo(std::string name) {
    return [name](const Request& r) {
        std::string body = name;
        for (const auto& [key, value] : r.params) body += " " + key + "=" + value;
        return Response::text(200, body);
    };
}

rapidjson::Document parse(const std::string& text) {
    rapidjson::Document document;
    document.Parse(text.c_str());
    return document;
}

TEST(Router, MatchesExactSegmentsAndCapturesParameters) {
    Router router;
    router.get("/orders", echo("list"))
        .get("/orders/{id}", echo("one"))
        .post("/products/{id}/stock", echo("stock"));

    auto list = make("GET", "/orders");
    EXPECT_EQ(router.dispatch(list).body, "list");
    EXPECT_EQ(list.route, "/orders");

    auto one = make("GET", "/orders/42?verbose=1");
    EXPECT_EQ(router.dispatch(one).body, "one id=42");
    EXPECT_EQ(one.route, "/orders/{id}");
    EXPECT_EQ(one.params.at("id"), "42");

    auto stock = make("POST", "/products/p-1/stock");
    EXPECT_EQ(router.dispatch(stock).body, "stock id=p-1");
}

TEST(Router, DecodesACapturedSegmentAndKeepsAnEncodedSlashInsideIt) {
    Router router;
    router.get("/files/{name}", echo("file"));
    auto request = make("GET", "/files/a%2Fb%20c");
    EXPECT_EQ(router.dispatch(request).body, "file name=a/b c");
    EXPECT_EQ(request.path, "/files/a/b c");
}

TEST(Router, PrefersALiteralSegmentOverACapture) {
    Router router;
    router.get("/orders/{id}", echo("one")).get("/orders/search", echo("search"));
    auto search = make("GET", "/orders/search");
    EXPECT_EQ(router.dispatch(search).body, "search");
    auto one = make("GET", "/orders/searching");
    EXPECT_EQ(router.dispatch(one).body, "one id=searching");
}

TEST(Router, AnswersNotFoundForAPathNoRouteMatches) {
    Router router;
    router.get("/orders/{id}", echo("one"));
    for (const char* target : {"/nothing", "/orders", "/orders/", "/orders/1/extra", "/"}) {
        auto request = make("GET", target);
        Response response = router.dispatch(request);
        EXPECT_EQ(response.status, 404) << target;
        EXPECT_EQ(response.content_type, "application/json");
        auto body = parse(response.body);
        EXPECT_STREQ(body["error"]["code"].GetString(), "not_found") << target;
        EXPECT_TRUE(request.route.empty());
    }
}

TEST(Router, AnswersMethodNotAllowedWithAnAllowHeaderWhenOnlyTheMethodDiffers) {
    Router router;
    router.get("/listings/{id}", echo("get"))
        .patch("/listings/{id}", echo("patch"))
        .post("/listings", echo("post"));
    auto request = make("DELETE", "/listings/7");
    Response response = router.dispatch(request);
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.header("allow"), "GET, PATCH");
    EXPECT_STREQ(parse(response.body)["error"]["code"].GetString(), "method_not_allowed");
    EXPECT_EQ(request.route, "/listings/{id}");
    EXPECT_FALSE(router.route_of(request).has_value());
}

TEST(Router, ReportsTheRoutePatternWithoutCallingAnything) {
    Router router;
    router.get("/orders/{id}", [](const Request&) -> Response { throw std::logic_error("not called"); });
    EXPECT_EQ(router.route_of("GET", "/orders/9"), "/orders/{id}");
    EXPECT_FALSE(router.route_of("GET", "/orders").has_value());
}

TEST(Router, RejectsMalformedPatternsAndDuplicates) {
    Router router;
    EXPECT_THROW(router.get("orders", echo("x")), std::invalid_argument);
    EXPECT_THROW(router.get("/orders/{id", echo("x")), std::invalid_argument);
    EXPECT_THROW(router.get("/orders/x{id}", echo("x")), std::invalid_argument);
    EXPECT_THROW(router.get("/orders/{}", echo("x")), std::invalid_argument);
    EXPECT_THROW(router.get("/a/{id}/b/{id}", echo("x")), std::invalid_argument);
    router.get("/orders", echo("x"));
    EXPECT_THROW(router.get("/orders", echo("y")), std::invalid_argument);
    EXPECT_NO_THROW(router.post("/orders", echo("y")));
}

TEST(Request, ParsesThePathAndTheQueryDecoded) {
    auto request = make("GET", "/search%20me?q=a+b%26c&empty=&flag&q2=%E2%82%AC");
    EXPECT_EQ(request.path, "/search me");
    EXPECT_EQ(request.query.at("q"), "a b&c");
    EXPECT_EQ(request.query.at("empty"), "");
    EXPECT_EQ(request.query.at("flag"), "");
    EXPECT_EQ(request.query.at("q2"), "\xE2\x82\xAC");
}

TEST(Request, RejectsAMalformedPercentEscapeWith400) {
    for (const char* target : {"/a%zz", "/a%2", "/a?x=%", "*"}) {
        Request request;
        request.method = "GET";
        request.target = target;
        try {
            parse_target(request);
            ADD_FAILURE() << target << " was accepted";
        } catch (const HttpError& e) {
            EXPECT_EQ(e.status(), 400);
            EXPECT_EQ(e.code(), "bad_request");
        }
    }
}

TEST(Request, FindsHeadersCaseInsensitively) {
    Request request;
    request.headers = {{"Content-Type", "application/json"}, {"X-Trace", "1"}, {"x-trace", "2"}};
    EXPECT_EQ(request.header("content-type"), "application/json");
    EXPECT_EQ(request.header("X-TRACE"), "1");
    EXPECT_FALSE(request.header("traceparent").has_value());
}

TEST(Response, BuildsTheErrorBodyAsValidJsonEvenFromInvalidUtf8) {
    Response response = Response::error(409, "conflict", "sku \"A\" exists \xff");
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(response.body,
              "{\"error\":{\"code\":\"conflict\",\"message\":\"sku \\\"A\\\" exists \xEF\xBF\xBD\"}}");
    EXPECT_EQ(Response::text(200, "hi").content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(Response::json(201, "{}").status, 201);
}

TEST(HttpError, CarriesItsStatusCodeAndMessage) {
    HttpError error(422, "invalid_field", "field 'x' must be an integer");
    EXPECT_EQ(error.status(), 422);
    EXPECT_EQ(error.code(), "invalid_field");
    EXPECT_STREQ(error.what(), "field 'x' must be an integer");
    EXPECT_EQ(error.to_response().status, 422);
}

}  // namespace
}  // namespace courier::http
