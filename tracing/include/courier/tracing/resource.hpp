#pragma once
// The entity producing spans (OTel Resource).

#include <optional>
#include <string>
#include <string_view>

#include "courier/tracing/span_data.hpp"

namespace courier::tracing {

/// Attributes describing the process: service.name, telemetry.sdk.*, and what
/// OTEL_RESOURCE_ATTRIBUTES adds.
struct Resource {
    Attributes attributes;

    /// service.name (OTEL_SERVICE_NAME wins over one in OTEL_RESOURCE_ATTRIBUTES; default
    /// "unknown_service:<executable>"), telemetry.sdk.name=courier, telemetry.sdk.language=cpp,
    /// telemetry.sdk.version, then the `extra` attributes (already decoded).
    static Resource make(std::string_view service_name, const Attributes& extra = {});

    /// The service.name attribute ("" when missing).
    std::string service_name() const;
};

/// Parses OTEL_RESOURCE_ATTRIBUTES / OTEL_EXPORTER_OTLP_HEADERS syntax: "k1=v1,k2=v2" with
/// percent-encoded values (W3C Baggage octets), spaces around items ignored. Returns nullopt,
/// and `error` says why, for an item without '=' or with an empty key or a bad %-escape.
std::optional<Attributes> parse_key_value_list(std::string_view text, std::string* error = nullptr);

}  // namespace courier::tracing
