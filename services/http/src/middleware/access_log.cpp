#include "courier/http/middleware/access_log.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace courier::http {

Middleware access_log(std::string name) {
    std::string prefix = name.empty() ? std::string() : name + ": ";
    return [prefix](const Request& request, const Handler& next) {
        auto started = std::chrono::steady_clock::now();
        Response response = next(request);
        double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        bool operational =
            request.path == "/healthz" || request.path == "/readyz" || request.path == "/metrics";
        auto level = response.status >= 500 ? spdlog::level::warn
                     : operational          ? spdlog::level::debug
                                            : spdlog::level::info;
        spdlog::log(level, "{}{} {} -> {} (route {}, {:.1f} ms, {})", prefix, request.method, request.target,
                    response.status, request.route.empty() ? "none" : request.route, ms,
                    request.remote.empty() ? "-" : request.remote);
        return response;
    };
}

}  // namespace courier::http
