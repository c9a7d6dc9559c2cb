#include "courier/core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace courier {

void configure_logging(std::string_view level) {
    std::string wanted(level);
    if (wanted.empty()) {
        const char* env = std::getenv("COURIER_LOG_LEVEL");
        wanted = env && *env ? env : "info";
    }
    auto logger = spdlog::get("courier");
    if (!logger) logger = spdlog::stderr_color_mt("courier");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
    spdlog::set_level(spdlog::level::from_str(wanted));
}

}  // namespace courier
