#pragma once
// Routes: (method, pattern) -> handler, and the middleware shape that wraps handler calls.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "courier/http/http_error.hpp"
#include "courier/http/request.hpp"
#include "courier/http/response.hpp"

namespace courier::http {

using Handler = std::function<Response(const Request&)>;

/// Wraps every handler call: (request, next) -> response. Used for tracing and access logs. When a
/// middleware runs, request.route is already set (empty for a 404), and exceptions thrown by the
/// handler have already become 4xx/5xx responses, so a middleware sees every final status.
using Middleware = std::function<Response(const Request&, const Handler& next)>;

/// A fixed table of routes. Build it before the server starts; lookups are const and thread-safe.
class Router {
public:
    /// pattern like "/orders/{id}" or "/listings"; exact segments, {name} captures one non-empty
    /// segment (percent-decoded into request.params[name]). When two patterns match a path, the one
    /// with a literal segment where the other captures wins ("/orders/search" beats
    /// "/orders/{id}"). Throws std::invalid_argument for a pattern that does not start with '/', a
    /// malformed "{...}", a repeated parameter name, or a (method, pattern) added twice.
    Router& add(std::string method, std::string pattern, Handler handler);

    Router& get(std::string pattern, Handler handler) {
        return add("GET", std::move(pattern), std::move(handler));
    }
    Router& post(std::string pattern, Handler handler) {
        return add("POST", std::move(pattern), std::move(handler));
    }
    Router& put(std::string pattern, Handler handler) {
        return add("PUT", std::move(pattern), std::move(handler));
    }
    Router& patch(std::string pattern, Handler handler) {
        return add("PATCH", std::move(pattern), std::move(handler));
    }
    Router& del(std::string pattern, Handler handler) {
        return add("DELETE", std::move(pattern), std::move(handler));
    }

    /// Finds the route for request.method and request.path, fills request.params and request.route
    /// and returns the handler to call. With no path match the handler answers 404
    /// {"error":{"code":"not_found",...}}; when the path matches only other methods it answers 405
    /// "method_not_allowed" with an Allow header (request.route is then the matched pattern).
    /// Never throws for an unknown route.
    Handler resolve(Request& request) const;

    /// resolve(request)(request): exceptions from the handler propagate (the server catches them).
    Response dispatch(Request& request) const;

    /// The pattern that would serve (method, path), without calling anything; nullopt when none
    /// would (a 404 or 405).
    std::optional<std::string> route_of(std::string_view method, std::string_view path) const;
    std::optional<std::string> route_of(const Request& request) const {
        return route_of(request.method, request.path);
    }

    std::size_t size() const noexcept { return routes_.size(); }

private:
    struct Segment {
        std::string text;  ///< the literal, or the parameter name
        bool capture = false;
    };
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<Segment> segments;
        Handler handler;
    };
    struct Match {
        const Route* route = nullptr;
        std::vector<std::string> allowed;  ///< methods of routes whose pattern matched the path
        std::string pattern_for_path;      ///< best pattern that matched the path (any method)
    };
    Match match(std::string_view method, std::string_view path) const;

    std::vector<Route> routes_;
};

}  // namespace courier::http
