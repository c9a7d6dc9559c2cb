#pragma once
// Runs tests/support/otlp_strict_decode.py (the official OTLP protobuf classes) on request bodies.

#include <string>
#include <vector>

namespace courier::tracing::testing {

struct DecodeResult {
    int exit_code = -1;  ///< 0 = every body is strict OTLP/JSON
    std::string output;  ///< one JSON summary line per body (stdout)
    std::string errors;  ///< the first violation (stderr)
};

/// Writes each body to a temporary file and runs the decoder over all of them. The Python comes
/// from $COURIER_TEST_PYTHON (default python3); the decoder exits 3, with a pip hint, when the
/// opentelemetry-proto package is missing.
DecodeResult strict_decode(const std::vector<std::string>& bodies);

}  // namespace courier::tracing::testing
