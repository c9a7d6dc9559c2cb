#include "courier/http/client.hpp"

#include <gtest/gtest.h>

#include "courier/core/errors.hpp"
#include "courier/http/server.hpp"
#include "raw_socket.hpp"

namespace courier::http {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

Router hello_router() {
    Router router;
    router.get("/hello", [](const Request&) { return Response::text(200, "hello"); });
    router.post("/echo", [](const Request& r) {
        Response response = Response::text(200, r.body);
        response.headers.emplace_back("X-Content-Type-Seen", r.header("Content-Type").value_or("none"));
        return response;
    });
    return router;
}

ServerOptions options_on(uint16_t port) {
    ServerOptions options;
    options.port = port;
    return options;
}

TEST(Client, ReconnectsAfterTheServerClosedAnIdleConnection) {
    ServerOptions options = options_on(0);
    options.read_timeout = 1s;
    Server server(options, hello_router());
    server.start();
    Client client("127.0.0.1", server.port());
    EXPECT_EQ(client.get("/hello").body, "hello");
    ASSERT_TRUE(wait_until([&] { return server.connections() == 0; }, 10s));  // the server's idle timeout
    EXPECT_EQ(client.get("/hello").body, "hello");
    EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(Client, ReconnectsToARestartedServerOnTheSamePort) {
    auto first = std::make_unique<Server>(options_on(0), hello_router());
    first->start();
    uint16_t port = first->port();
    Client client("127.0.0.1", port);
    EXPECT_EQ(client.get("/hello").status, 200);
    first.reset();

    Server second(options_on(port), hello_router());
    second.start();
    EXPECT_EQ(client.post("/echo", R"({"a":1})").body, R"({"a":1})");
    EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(Client, SendsTheContentTypeOnlyWithABody) {
    Server server(options_on(0), hello_router());
    server.start();
    Client client("127.0.0.1", server.port());
    EXPECT_EQ(client.post("/echo", "{}").header("X-Content-Type-Seen"), "application/json");
    EXPECT_EQ(client.request("POST", "/echo", "a=1", "application/x-www-form-urlencoded")
                  .header("x-content-type-seen"),
              "application/x-www-form-urlencoded");
    EXPECT_EQ(client.request("POST", "/echo").header("X-Content-Type-Seen"), "none");
}

TEST(Client, ThrowsACourierErrorNamingHostAndPortWhenNothingListens) {
    uint16_t port;
    {
        Server server(options_on(0), hello_router());
        server.start();
        port = server.port();
    }
    Client client("127.0.0.1", port, 2s);
    try {
        client.get("/hello");
        FAIL() << "no error";
    } catch (const CourierError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
        EXPECT_NE(what.find("refused"), std::string::npos) << what;
        EXPECT_TRUE(e.retriable());
    }
}

TEST(Client, TimesOutOnAServerThatNeverAnswers) {
    testing::SilentListener silent;
    Client client("127.0.0.1", silent.port(), 300ms);
    auto started = std::chrono::steady_clock::now();
    try {
        client.get("/hello");
        FAIL() << "no error";
    } catch (const CourierError& e) {
        EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(ParseHttpUrl, SplitsHostAndPort) {
    EXPECT_EQ(parse_http_url("http://127.0.0.1:8081"), (std::pair<std::string, uint16_t>{"127.0.0.1", 8081}));
    EXPECT_EQ(parse_http_url("http://localhost:8083/orders?x=1"),
              (std::pair<std::string, uint16_t>{"localhost", 8083}));
    EXPECT_EQ(parse_http_url("HTTP://order:8083/"), (std::pair<std::string, uint16_t>{"order", 8083}));
    EXPECT_EQ(parse_http_url("localhost:9"), (std::pair<std::string, uint16_t>{"localhost", 9}));
    EXPECT_EQ(parse_http_url("http://example.org"), (std::pair<std::string, uint16_t>{"example.org", 80}));
    EXPECT_EQ(parse_http_url("http://[::1]:8082"), (std::pair<std::string, uint16_t>{"::1", 8082}));
}

TEST(ParseHttpUrl, RejectsWhatItCannotUseQuotingTheText) {
    for (const char* url : {"", "https://x:1", "http://:80", "http://x:", "http://x:0", "http://x:65536",
                            "http://x:8o", "http://[::1", "ftp://x:1", "http://u@x:1"}) {
        try {
            parse_http_url(url);
            ADD_FAILURE() << "accepted '" << url << "'";
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find("'" + std::string(url) + "'"), std::string::npos)
                << e.what();
        }
    }
}

}  // namespace
}  // namespace courier::http
