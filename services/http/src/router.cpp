#include "courier/http/router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace courier::http {

namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {""} so that "/" only matches "/".
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        std::size_t slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

}  // namespace

Router& Router::add(std::string method, std::string pattern, Handler handler) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("route pattern must start with '/': '" + pattern + "'");
    }
    if (method.empty()) throw std::invalid_argument("route method is empty for '" + pattern + "'");
    if (!handler) throw std::invalid_argument("route " + method + " " + pattern + " has no handler");
    Route route;
    std::set<std::string, std::less<>> names;
    for (std::string_view segment : split_path(pattern)) {
        bool opens = segment.find('{') != std::string_view::npos;
        bool closes = segment.find('}') != std::string_view::npos;
        if (!opens && !closes) {
            route.segments.push_back({std::string(segment), false});
            continue;
        }
        if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}' ||
            segment.substr(1, segment.size() - 2).find_first_of("{}/") != std::string_view::npos) {
            throw std::invalid_argument("route pattern '" + pattern +
                                        "': a parameter must be a whole segment like {id}, got '" +
                                        std::string(segment) + "'");
        }
        std::string name(segment.substr(1, segment.size() - 2));
        if (!names.insert(name).second) {
            throw std::invalid_argument("route pattern '" + pattern + "' repeats parameter {" + name + "}");
        }
        route.segments.push_back({std::move(name), true});
    }
    for (const auto& existing : routes_) {
        if (existing.method == method && existing.pattern == pattern) {
            throw std::invalid_argument("route " + method + " " + pattern + " added twice");
        }
    }
    route.method = std::move(method);
    route.pattern = std::move(pattern);
    route.handler = std::move(handler);
    routes_.push_back(std::move(route));
    return *this;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    Match result;
    auto segments = split_path(path);
    // Among routes matching the path, prefer a literal over a capture at the first segment where
    // they differ; ties (same shape, different methods) go to the method check.
    auto more_specific = [](const Route& a, const Route& b) {
        for (std::size_t i = 0; i < a.segments.size(); ++i) {
            if (a.segments[i].capture != b.segments[i].capture) return !a.segments[i].capture;
        }
        return false;
    };
    const Route* best_any = nullptr;
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size()) continue;
        bool matches = true;
        for (std::size_t i = 0; i < segments.size() && matches; ++i) {
            const auto& segment = route.segments[i];
            matches = segment.capture ? !segments[i].empty() : segment.text == segments[i];
        }
        if (!matches) continue;
        if (!best_any || more_specific(route, *best_any)) best_any = &route;
        if (route.method == method) {
            if (!result.route || more_specific(route, *result.route)) result.route = &route;
        }
    }
    if (best_any) result.pattern_for_path = best_any->pattern;
    if (!result.route && best_any) {
        // Allow lists the methods of the best-matching shape only, so /orders/search (GET) does not
        // advertise methods of /orders/{id}.
        for (const auto& route : routes_) {
            if (route.pattern == best_any->pattern) result.allowed.push_back(route.method);
        }
        std::sort(result.allowed.begin(), result.allowed.end());
    }
    return result;
}

Handler Router::resolve(Request& request) const {
    // Match on the raw path, decoding each captured segment afterwards, so an encoded "/" (%2F)
    // stays inside its segment.
    std::string_view raw_path = request.target.empty()
                                    ? std::string_view(request.path)
                                    : std::string_view(request.target).substr(0, request.target.find('?'));
    Match found = match(request.method, raw_path);
    request.params.clear();
    if (found.route) {
        request.route = found.route->pattern;
        auto segments = split_path(raw_path);
        for (std::size_t i = 0; i < segments.size(); ++i) {
            const auto& segment = found.route->segments[i];
            if (!segment.capture) continue;
            auto decoded = percent_decode(segments[i]);
            if (!decoded) {
                std::string bad(segments[i]);
                return [bad](const Request&) -> Response {
                    return Response::error(400, "bad_request",
                                           "malformed percent escape in path segment '" + bad + "'");
                };
            }
            request.params[segment.text] = std::move(*decoded);
        }
        return found.route->handler;
    }
    if (!found.allowed.empty()) {
        request.route = found.pattern_for_path;
        std::string allow = join(found.allowed, ", ");
        return [allow](const Request& r) {
            Response response = Response::error(
                405, "method_not_allowed",
                "method " + r.method + " is not allowed on " + r.path + "; allowed: " + allow);
            response.headers.emplace_back("Allow", allow);
            return response;
        };
    }
    request.route.clear();
    return [](const Request& r) {
        return Response::error(404, "not_found", "no route for " + r.method + " " + r.path);
    };
}

Response Router::dispatch(Request& request) const { return resolve(request)(request); }

std::optional<std::string> Router::route_of(std::string_view method, std::string_view path) const {
    Match found = match(method, path);
    if (!found.route) return std::nullopt;
    return found.route->pattern;
}

}  // namespace courier::http
