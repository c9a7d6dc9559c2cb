#include "courier/http/middleware/access_log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace courier::http {
namespace {

// Captures the default logger's output for the test's lifetime.
class CapturedLog {
public:
    CapturedLog() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
        sink->set_pattern("%l %v");
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    std::string text() const { return out_.str(); }

private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> previous_;
};

Request request(std::string method, std::string target, std::string route) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    parse_target(r);
    r.route = std::move(route);
    r.remote = "127.0.0.1:5000";
    return r;
}

TEST(AccessLog, LogsOneLinePerRequestWithStatusRouteAndPeer) {
    CapturedLog log;
    Middleware middleware = access_log("order");
    Handler ok = [](const Request&) { return Response::json(202, "{}"); };
    Handler fail = [](const Request&) { return Response::error(500, "internal", "x"); };

    EXPECT_EQ(middleware(request("POST", "/orders?x=1", "/orders"), ok).status, 202);
    middleware(request("GET", "/orders/1", "/orders/{id}"), fail);
    middleware(request("GET", "/healthz", "/healthz"), ok);

    std::string text = log.text();
    EXPECT_NE(text.find("info order: POST /orders?x=1 -> 202 (route /orders, "), std::string::npos) << text;
    EXPECT_NE(text.find(" ms, 127.0.0.1:5000)"), std::string::npos) << text;
    EXPECT_NE(text.find("warning order: GET /orders/1 -> 500 (route /orders/{id}, "), std::string::npos)
        << text;
    EXPECT_NE(text.find("debug order: GET /healthz -> 202"), std::string::npos) << text;
}

}  // namespace
}  // namespace courier::http
