#pragma once
// JSON over the services' HTTP APIs, for the demo driver.

#include <rapidjson/document.h>

#include <string>

#include "courier/http/client.hpp"

namespace courier::demo {

/// A client for one service's base URL.
http::Client client_for(const std::string& url);

/// Sends the request and parses the JSON answer; throws CourierError with the method, target,
/// status and body when the status is not `expected`.
rapidjson::Document call(http::Client& client, std::string_view method, const std::string& target,
                         const std::string& body, int expected);

}  // namespace courier::demo
