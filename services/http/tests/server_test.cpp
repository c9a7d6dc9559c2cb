#include "courier/http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "courier/core/errors.hpp"
#include "courier/http/client.hpp"
#include "courier/http/json.hpp"
#include "raw_socket.hpp"

namespace courier::http {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::wait_until;

std::string error_code_of(const Response& response) {
    rapidjson::Document document;
    document.Parse(response.body.c_str());
    if (!document.IsObject() || !document.HasMember("error")) return "<no error body: " + response.body + ">";
    return document["error"]["code"].GetString();
}

std::string error_message_of(const Response& response) {
    rapidjson::Document document;
    document.Parse(response.body.c_str());
    if (!document.IsObject() || !document.HasMember("error")) return "<no error body: " + response.body + ">";
    return document["error"]["message"].GetString();
}

// A router with the shapes the store services use.
Router store_router() {
    Router router;
    router.get("/orders/{id}", [](const Request& r) {
        JsonWriter writer;
        writer.begin_object()
            .key("id")
            .string(r.params.at("id"))
            .key("status")
            .string("PENDING")
            .end_object();
        return Response::json(200, writer.str());
    });
    router.post("/orders", [](const Request& r) {
        auto body = parse_json_body(r);
        std::string customer = require_string(body, "customer_id");
        return Response::json(202, R"({"id":"o-1","status":"PENDING","customer_id":")" + customer + "\"}");
    });
    router.post("/echo", [](const Request& r) { return Response::text(200, r.body); });
    router.get("/query", [](const Request& r) {
        return Response::text(200, r.query.count("q") ? r.query.at("q") : "");
    });
    router.get("/conflict",
               [](const Request&) -> Response { throw HttpError(409, "conflict", "already exists"); });
    router.get("/boom", [](const Request&) -> Response { throw std::runtime_error("database exploded"); });
    router.get("/throws-int", [](const Request&) -> Response { throw 42; });
    router.get("/no-content", [](const Request&) { return Response::json(204, "ignored"); });
    return router;
}

ServerOptions loopback_options() {
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    return options;
}

TEST(Server, ServesRoutesWithParametersOverLoopback) {
    Server server(loopback_options(), store_router());
    server.start();
    ASSERT_NE(server.port(), 0);
    Client client("127.0.0.1", server.port());

    Response one = client.get("/orders/o-42");
    EXPECT_EQ(one.status, 200);
    EXPECT_EQ(one.content_type, "application/json");
    EXPECT_EQ(one.body, R"({"id":"o-42","status":"PENDING"})");

    Response placed = client.post("/orders", R"({"customer_id":"c-7","items":[]})");
    EXPECT_EQ(placed.status, 202);
    EXPECT_NE(placed.body.find("\"customer_id\":\"c-7\""), std::string::npos);

    EXPECT_EQ(client.get("/query?q=a+b%21").body, "a b!");

    Response none = client.get("/no-content");
    EXPECT_EQ(none.status, 204);
    EXPECT_EQ(none.body, "");
}

TEST(Server, AnswersAnUnknownRouteWith404AndAWrongMethodWith405) {
    Server server(loopback_options(), store_router());
    server.start();
    Client client("127.0.0.1", server.port());

    Response missing = client.get("/nothing/here");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(error_code_of(missing), "not_found");

    Response wrong = client.request("DELETE", "/orders/1");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(error_code_of(wrong), "method_not_allowed");
    EXPECT_EQ(wrong.header("Allow"), "GET");
    EXPECT_EQ(client.connections_opened(), 1u);  // error answers keep the connection
}

TEST(Server, AnswersMalformedJsonWith400AndRapidJsonsMessage) {
    Server server(loopback_options(), store_router());
    server.start();
    Client client("127.0.0.1", server.port());

    Response response = client.post("/orders", R"({"customer_id": )");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(error_code_of(response), "malformed_json");
    EXPECT_EQ(error_message_of(response),
              "request body is not valid JSON: Invalid value. (at byte offset 16)");

    Response missing = client.post("/orders", R"({"items": []})");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(error_code_of(missing), "invalid_field");
    EXPECT_EQ(error_message_of(missing), "field 'customer_id' is required: expected a string");

    Response wrong_type =
        client.request("POST", "/orders", "customer_id=c", "application/x-www-form-urlencoded");
    EXPECT_EQ(wrong_type.status, 415);
}

TEST(Server, AnswersAnOversizedBodyWith413AndAClearMessage) {
    ServerOptions options = loopback_options();
    options.max_body_bytes = 1024;
    Server server(options, store_router());
    server.start();
    Client client("127.0.0.1", server.port());

    EXPECT_EQ(client.post("/echo", std::string(1024, 'x')).status, 200);

    // Larger than the socket buffers, so the server must read past its answer for us to see it.
    Response response = client.post("/echo", std::string(4 << 20, 'x'));
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(error_code_of(response), "payload_too_large");
    EXPECT_EQ(error_message_of(response), "request body exceeds the limit of 1024 bytes");

    // The client reconnects after the server closed that connection.
    EXPECT_EQ(client.post("/echo", "small").body, "small");
}

TEST(Server, AnswersMalformedHttpWith400AndClosesTheConnection) {
    Server server(loopback_options(), store_router());
    server.start();

    RawConnection bad_request_line(server.port());
    bad_request_line.send("THIS IS NOT HTTP\r\n\r\n");
    std::string answer = bad_request_line.read_all();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
    EXPECT_NE(answer.find("\"code\":\"bad_request\""), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;

    RawConnection bad_length(server.port());
    bad_length.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
    EXPECT_EQ(bad_length.read_all().rfind("HTTP/1.1 400 ", 0), 0u);

    RawConnection huge_head(server.port());
    huge_head.send("GET /orders/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
    EXPECT_EQ(huge_head.read_all().rfind("HTTP/1.1 431 ", 0), 0u);

    // Still serving.
    Client client("127.0.0.1", server.port());
    EXPECT_EQ(client.get("/orders/1").status, 200);
}

TEST(Server, TurnsHandlerExceptionsIntoErrorAnswersAndKeepsServing) {
    Server server(loopback_options(), store_router());
    server.start();
    Client client("127.0.0.1", server.port());

    Response conflict = client.get("/conflict");
    EXPECT_EQ(conflict.status, 409);
    EXPECT_EQ(error_code_of(conflict), "conflict");
    EXPECT_EQ(error_message_of(conflict), "already exists");

    for (int i = 0; i < 3; ++i) {
        Response boom = client.get("/boom");
        EXPECT_EQ(boom.status, 500);
        EXPECT_EQ(error_code_of(boom), "internal");
        EXPECT_EQ(boom.body.find("database exploded"), std::string::npos) << "internals leak to clients";
        EXPECT_EQ(client.get("/throws-int").status, 500);
        EXPECT_EQ(client.get("/orders/1").status, 200);
    }
    EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(Server, ServesManyRequestsOnOneKeptAliveConnection) {
    Server server(loopback_options(), store_router());
    server.start();
    Client client("127.0.0.1", server.port());
    for (int i = 0; i < 500; ++i) {
        Response response = client.get("/orders/" + std::to_string(i));
        ASSERT_EQ(response.status, 200);
        ASSERT_EQ(response.body, R"({"id":")" + std::to_string(i) + R"(","status":"PENDING"})");
    }
    EXPECT_EQ(client.connections_opened(), 1u);
    EXPECT_EQ(server.connections(), 1u);
}

TEST(Server, AnswersPipelinedRequestsInOrder) {
    Server server(loopback_options(), store_router());
    server.start();
    RawConnection connection(server.port());
    connection.send(
        "GET /orders/a HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        "GET /orders/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::string answers = connection.read_all();
    auto a = answers.find("\"id\":\"a\"");
    auto hello = answers.find("\r\n\r\nhello");
    auto b = answers.find("\"id\":\"b\"");
    ASSERT_NE(a, std::string::npos) << answers;
    ASSERT_NE(hello, std::string::npos) << answers;
    ASSERT_NE(b, std::string::npos) << answers;
    EXPECT_LT(a, hello);
    EXPECT_LT(hello, b);
}

TEST(Server, SendsContinueBeforeReadingABodyWhenAsked) {
    Server server(loopback_options(), store_router());
    server.start();
    RawConnection connection(server.port());
    connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(connection.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
    connection.send("abc");
    std::string answer = connection.read_until("abc");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
}

TEST(Server, ServesConcurrentClients) {
    Metrics metrics;
    ServerOptions options = loopback_options();
    options.threads = 4;
    Server server(options, store_router(), {}, &metrics);
    server.start();

    constexpr int kClients = 8;
    constexpr int kRequests = 100;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            Client client("127.0.0.1", server.port());
            for (int i = 0; i < kRequests; ++i) {
                std::string body = "client " + std::to_string(c) + " request " + std::to_string(i);
                Response response = client.post("/echo", body);
                if (response.status == 200 && response.body == body) ++ok;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(ok.load(), kClients * kRequests);
    EXPECT_EQ(
        metrics.value("http_requests_total", {{"method", "POST"}, {"route", "/echo"}, {"status", "200"}}),
        kClients * kRequests);
}

TEST(Server, LetsAnInFlightRequestFinishWhenStopped) {
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future().share();
    Router router;
    router.get("/slow", [&](const Request&) {
        entered.set_value();
        released.wait();
        return Response::text(200, "finished");
    });
    router.get("/fast", [](const Request&) { return Response::text(200, "fast"); });
    Server server(loopback_options(), std::move(router));
    server.start();
    uint16_t port = server.port();

    Client idle("127.0.0.1", port);
    EXPECT_EQ(idle.get("/fast").status, 200);  // an idle keep-alive connection stop() must close

    auto slow = std::async(std::launch::async, [port] {
        Client client("127.0.0.1", port);
        return client.get("/slow");
    });
    entered.get_future().wait();
    auto stopping = std::async(std::launch::async, [&server] { server.stop(); });

    // stop() waits for the in-flight request and has closed the idle connection meanwhile.
    EXPECT_EQ(stopping.wait_for(200ms), std::future_status::timeout);
    EXPECT_TRUE(wait_until([&] { return server.connections() == 1; }));
    release.set_value();

    Response response = slow.get();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "finished");
    EXPECT_EQ(response.header("Connection"), "close");
    ASSERT_EQ(stopping.wait_for(10s), std::future_status::ready);
    stopping.get();

    EXPECT_THROW(idle.get("/fast"), CourierError);  // nobody listens any more
}

TEST(Server, StopsPromptlyWithOnlyIdleConnections) {
    Server server(loopback_options(), store_router());
    server.start();
    std::vector<Client> clients;
    for (int i = 0; i < 5; ++i) {
        clients.emplace_back("127.0.0.1", server.port());
        EXPECT_EQ(clients.back().get("/orders/1").status, 200);
    }
    EXPECT_TRUE(wait_until([&] { return server.connections() == 5; }));
    auto started = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_EQ(server.connections(), 0u);
    server.stop();  // idempotent
}

TEST(Server, ReportsTheAddressAndTheReasonWhenThePortIsTaken) {
    Server first(loopback_options(), store_router());
    first.start();
    ServerOptions options = loopback_options();
    options.port = first.port();
    Server second(options, store_router());
    try {
        second.start();
        FAIL() << "second server started on a taken port";
    } catch (const CourierError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << what;
        EXPECT_NE(what.find("in use"), std::string::npos) << what;
    }

    ServerOptions bad = loopback_options();
    bad.address = "not-an-address";
    Server third(bad, store_router());
    EXPECT_THROW(third.start(), ConfigError);
}

TEST(Server, DeclaresItsMetricFamiliesBeforeTheFirstRequest) {
    Metrics metrics;
    Server server(loopback_options(), store_router(), {}, &metrics);
    const std::string text = metrics.render();
    EXPECT_NE(text.find("# TYPE http_requests_total counter\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE http_request_duration_seconds histogram\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE http_requests_in_flight gauge\nhttp_requests_in_flight 0\n"),
              std::string::npos)
        << text;
}

TEST(Server, RecordsRequestMetricsByRoutePatternNotByPath) {
    Metrics metrics;
    Router router = store_router();
    add_health_routes(router, nullptr, &metrics);
    Server server(loopback_options(), std::move(router), {}, &metrics);
    server.start();
    Client client("127.0.0.1", server.port());
    client.get("/orders/1");
    client.get("/orders/2");
    client.get("/boom");
    client.get("/nowhere/1");
    client.get("/nowhere/2");

    EXPECT_EQ(metrics.value("http_requests_total",
                            {{"method", "GET"}, {"route", "/orders/{id}"}, {"status", "200"}}),
              2);
    EXPECT_EQ(
        metrics.value("http_requests_total", {{"method", "GET"}, {"route", "/boom"}, {"status", "500"}}), 1);
    EXPECT_EQ(
        metrics.value("http_requests_total", {{"method", "GET"}, {"route", "unmatched"}, {"status", "404"}}),
        2);
    EXPECT_EQ(metrics.value("http_request_duration_seconds", {{"method", "GET"}, {"route", "/orders/{id}"}}),
              2);

    Response scrape = client.get("/metrics");
    EXPECT_EQ(scrape.status, 200);
    EXPECT_EQ(scrape.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(
        scrape.body.find("http_requests_total{method=\"GET\",route=\"/orders/{id}\",status=\"200\"} 2\n"),
        std::string::npos)
        << scrape.body;
    EXPECT_NE(scrape.body.find("# TYPE http_request_duration_seconds histogram\n"), std::string::npos);
    EXPECT_EQ(scrape.body.find("/orders/1"), std::string::npos);
}

TEST(Server, RunsMiddlewareAroundHandlersWithTheRouteAndTheFinalStatus) {
    std::mutex mutex;
    std::vector<std::string> seen;
    Middleware outer = [&](const Request& r, const Handler& next) {
        Response response = next(r);
        std::lock_guard lock(mutex);
        seen.push_back("outer " + r.route + " " + std::to_string(response.status));
        response.headers.emplace_back("X-Outer", "1");
        return response;
    };
    Middleware inner = [&](const Request& r, const Handler& next) {
        {
            std::lock_guard lock(mutex);
            seen.push_back("inner " + r.params.at("id"));
        }
        return next(r);
    };
    Middleware gate = [](const Request& r, const Handler& next) {
        if (r.header("X-Deny")) throw HttpError(403, "forbidden", "denied by middleware");
        return next(r);
    };
    Router router;
    router.get("/items/{id}", [](const Request& r) -> Response {
        if (r.params.at("id") == "bad") throw std::runtime_error("bad item");
        return Response::text(200, "item");
    });
    Server server(loopback_options(), std::move(router), {outer, gate, inner});
    server.start();
    Client client("127.0.0.1", server.port());

    Response ok = client.get("/items/7");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.header("X-Outer"), "1");
    EXPECT_EQ(client.get("/items/bad").status, 500);
    std::lock_guard lock(mutex);
    EXPECT_EQ(seen, (std::vector<std::string>{"inner 7", "outer /items/{id} 200", "inner bad",
                                              "outer /items/{id} 500"}));
}

TEST(Server, AnswersAMiddlewaresHttpError) {
    Middleware deny = [](const Request&, const Handler&) -> Response {
        throw HttpError(403, "forbidden", "denied by middleware");
    };
    Server server(loopback_options(), store_router(), {deny});
    server.start();
    Client client("127.0.0.1", server.port());
    Response response = client.get("/orders/1");
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(error_code_of(response), "forbidden");
}

TEST(HealthRoutes, ReportReadinessOfEachCheck) {
    std::atomic<bool> broker_up{false};
    Router router;
    add_health_routes(
        router,
        [&] {
            return std::vector<std::pair<std::string, bool>>{{"database", true},
                                                             {"broker", broker_up.load()}};
        },
        nullptr);
    Server server(loopback_options(), std::move(router));
    server.start();
    Client client("127.0.0.1", server.port());

    Response live = client.get("/healthz");
    EXPECT_EQ(live.status, 200);
    EXPECT_EQ(live.body, R"({"status":"ok"})");

    Response not_ready = client.get("/readyz");
    EXPECT_EQ(not_ready.status, 503);
    EXPECT_EQ(not_ready.body, R"({"status":"not_ready","checks":{"database":true,"broker":false}})");

    broker_up = true;
    Response ready = client.get("/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.body, R"({"status":"ready","checks":{"database":true,"broker":true}})");

    EXPECT_EQ(client.get("/metrics").status, 404);  // no Metrics given
}

TEST(HealthRoutes, AnswerNotReadyWhenTheChecksThemselvesFail) {
    Router router;
    add_health_routes(
        router,
        []() -> std::vector<std::pair<std::string, bool>> { throw std::runtime_error("pool closed"); },
        nullptr);
    auto request = Request{};
    request.method = "GET";
    request.target = "/readyz";
    parse_target(request);
    Response response = router.dispatch(request);
    EXPECT_EQ(response.status, 503);
    EXPECT_EQ(response.body, R"({"status":"not_ready","checks":{},"error":"pool closed"})");
}

}  // namespace
}  // namespace courier::http
