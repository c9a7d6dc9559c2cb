#include "courier/http/health.hpp"

#include <exception>

#include "courier/http/json.hpp"

namespace courier::http {

void add_health_routes(Router& router, ReadinessChecks readiness_checks, Metrics* metrics) {
    router.get("/healthz", [](const Request&) { return Response::json(200, R"({"status":"ok"})"); });

    router.get("/readyz", [checks = std::move(readiness_checks)](const Request&) {
        std::vector<std::pair<std::string, bool>> results;
        std::string error;
        try {
            if (checks) results = checks();
        } catch (const std::exception& e) {
            error = e.what();
        } catch (...) {
            error = "unknown exception";
        }
        bool ready = error.empty();
        for (const auto& [name, ok] : results) ready = ready && ok;
        JsonWriter writer;
        writer.begin_object().key("status").string(ready ? "ready" : "not_ready");
        writer.key("checks").begin_object();
        for (const auto& [name, ok] : results) writer.key(name).boolean(ok);
        writer.end_object();
        if (!error.empty()) writer.key("error").string(error);
        writer.end_object();
        return Response::json(ready ? 200 : 503, writer.str());
    });

    if (metrics) {
        router.get("/metrics", [metrics](const Request&) {
            Response response = Response::text(200, metrics->render());
            response.content_type = std::string(kMetricsContentType);
            return response;
        });
    }
}

}  // namespace courier::http
