#pragma once
// Message headers as the outbox stores them: a jsonb array that keeps order, repeats and bytes.
//
//   [{"name": "traceparent", "value": "00-4bf9...-01"},
//    {"name": "ce_id", "value": "7d3c..."},
//    {"name": "blob", "base64": "AAH/"}]
//
// A value that is valid UTF-8 without NUL characters (what PostgreSQL's json text can hold) is
// stored as "value", readable in psql; any other value as "base64". Names likewise ("name" or
// "name_base64"). An object (jsonb's key-value form) would lose both order and repeats.

#include <string>
#include <string_view>

#include "courier/core/message.hpp"
#include "courier/core/result.hpp"

namespace courier::outbox {

/// The JSON text of `headers` (ASCII-safe control characters escaped). Thread-safe, never
/// blocks, never throws except std::bad_alloc.
std::string encode_headers(const Headers& headers);

/// Appends one more header to JSON text made by encode_headers(), without decoding it.
void append_header(std::string& json, std::string_view name, std::string_view value);

/// Reads encode_headers()' form back (also as jsonb prints it: spaces, reordered object keys).
/// Errors (poison, code "outbox.headers"): not JSON, not an array of such objects, bad base64.
Result<Headers> decode_headers(std::string_view json);

/// True for strictly valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) with
/// no NUL byte: text PostgreSQL accepts inside json. Thread-safe, never throws.
bool is_json_safe_text(std::string_view bytes) noexcept;

}  // namespace courier::outbox
