#pragma once
// Parsing untrusted JSON within courier::schemas::Limits: the depth is counted while RapidJSON's
// iterative (non-recursive) parser runs, so a 100,000-deep array stops at max_depth + 1 without
// touching the stack; strings with U+0000 are refused (RapidJSON 1.1.0's pattern matcher stops at the
// first NUL, so "<uuid>\u0000anything" would pass a UUID pattern; PostgreSQL's jsonb refuses NUL too);
// a key twice in one object is refused; bytes after the document (e.g. after an embedded NUL byte) are
// an error, not silently dropped.

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace courier::schemas::detail {

inline constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

/// Why a bounded parse stopped early.
enum class ParseStop {
    none,           ///< the whole text was one well-formed JSON document
    too_deep,       ///< arrays/objects nested deeper than the limit
    nul_in_string,  ///< a string or key holds U+0000
    duplicate_key,  ///< one object holds the same key twice
    handler,        ///< the wrapped handler refused a value (e.g. a schema violation)
    syntax,         ///< malformed JSON or invalid UTF-8
    trailing_bytes  ///< something other than whitespace follows the document
};

struct BoundedParse {
    ParseStop stop = ParseStop::none;
    rapidjson::ParseErrorCode code = rapidjson::kParseErrorNone;
    std::size_t offset = 0;  ///< byte offset where parsing stopped
    std::string key;         ///< the duplicate key, for duplicate_key

    bool ok() const noexcept { return stop == ParseStop::none; }
    /// One phrase for a stop other than none/handler, e.g. "not valid JSON: Missing a comma or '}'
    /// after an object member (at byte 17)".
    std::string describe(std::size_t max_depth) const;

private:
    std::string quoted_key() const;
};

/// Remembers the keys of each open object, to refuse a key that appears twice in one object: readers
/// disagree on which value wins (RapidJSON's FindMember takes the first, many libraries the last), so a
/// payload with both a valid and another value could mean different things to different consumers.
/// Keys are kept as 64-bit hashes; a crafted collision can only get its own payload refused.
class DuplicateKeyGuard {
public:
    void open_object();
    void close_object();
    /// False when `key` was already seen in the innermost open object.
    bool add(std::string_view key);

private:
    // Objects with more keys than this switch from a linear scan to a hash set.
    static constexpr std::size_t kScanLimit = 32;
    struct Frame {
        std::size_t start;  // index of the object's first key in hashes_
        std::unique_ptr<std::unordered_set<std::uint64_t>> many;
    };
    std::vector<std::uint64_t> hashes_;
    std::vector<Frame> frames_;
};

/// Forwards SAX events to `Handler`, counting nesting and refusing NUL in strings and keys and
/// duplicate keys.
template <typename Handler>
class GuardedHandler {
public:
    using Ch = char;

    GuardedHandler(Handler& inner, std::size_t max_depth) : inner_(inner), max_depth_(max_depth) {}

    bool Null() { return inner_.Null(); }
    bool Bool(bool b) { return inner_.Bool(b); }
    bool Int(int i) { return inner_.Int(i); }
    bool Uint(unsigned u) { return inner_.Uint(u); }
    bool Int64(int64_t i) { return inner_.Int64(i); }
    bool Uint64(uint64_t u) { return inner_.Uint64(u); }
    bool Double(double d) { return inner_.Double(d); }
    bool RawNumber(const Ch* s, rapidjson::SizeType n, bool copy) { return inner_.RawNumber(s, n, copy); }
    bool String(const Ch* s, rapidjson::SizeType n, bool copy) {
        return refuse_nul(s, n) && inner_.String(s, n, copy);
    }
    bool Key(const Ch* s, rapidjson::SizeType n, bool copy) {
        if (!refuse_nul(s, n)) return false;
        if (!keys_.add({s, n})) {
            duplicate_.emplace(s, n);
            return false;
        }
        return inner_.Key(s, n, copy);
    }
    bool StartObject() {
        if (!enter()) return false;
        keys_.open_object();
        return inner_.StartObject();
    }
    bool EndObject(rapidjson::SizeType members) {
        --depth_;
        keys_.close_object();
        return inner_.EndObject(members);
    }
    bool StartArray() { return enter() && inner_.StartArray(); }
    bool EndArray(rapidjson::SizeType elements) {
        --depth_;
        return inner_.EndArray(elements);
    }

    bool too_deep() const noexcept { return too_deep_; }
    bool nul_in_string() const noexcept { return nul_in_string_; }
    /// The key seen twice, if that stopped the parse.
    const std::optional<std::string>& duplicate_key() const noexcept { return duplicate_; }

private:
    bool enter() {
        if (++depth_ > max_depth_) {
            too_deep_ = true;
            return false;
        }
        return true;
    }
    bool refuse_nul(const Ch* s, rapidjson::SizeType n) {
        if (n != 0 && std::memchr(s, 0, n) != nullptr) {
            nul_in_string_ = true;
            return false;
        }
        return true;
    }

    Handler& inner_;
    std::size_t max_depth_;
    std::size_t depth_ = 0;
    bool too_deep_ = false;
    bool nul_in_string_ = false;
    std::optional<std::string> duplicate_;
    DuplicateKeyGuard keys_;
};

/// Parses `text` into SAX events for `handler` within the depth limit.
template <typename Handler>
BoundedParse parse_bounded(std::string_view text, Handler& handler, std::size_t max_depth) {
    GuardedHandler<Handler> limited(handler, max_depth);
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::Reader reader;
    rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, limited);
    BoundedParse outcome;
    if (result) {
        if (stream.Tell() != text.size()) {
            outcome.stop = ParseStop::trailing_bytes;
            outcome.offset = stream.Tell();
        }
        return outcome;
    }
    outcome.code = result.Code();
    outcome.offset = result.Offset();
    if (result.Code() != rapidjson::kParseErrorTermination) {
        outcome.stop = ParseStop::syntax;
    } else if (limited.too_deep()) {
        outcome.stop = ParseStop::too_deep;
    } else if (limited.nul_in_string()) {
        outcome.stop = ParseStop::nul_in_string;
    } else if (limited.duplicate_key()) {
        outcome.stop = ParseStop::duplicate_key;
        outcome.key = *limited.duplicate_key();
    } else {
        outcome.stop = ParseStop::handler;
    }
    return outcome;
}

/// Parses `text` into `document` (left null unless the parse succeeds) within the depth limit.
BoundedParse parse_document(std::string_view text, rapidjson::Document& document, std::size_t max_depth);

/// Compact JSON text of a value, cut to `max_chars` with "..." when longer.
std::string to_json_text(const rapidjson::Value& value, std::size_t max_chars = 120);

/// "#/a/b/0" for a pointer (URI fragment form, so the root is "#").
template <typename Pointer>
std::string pointer_text(const Pointer& pointer) {
    rapidjson::StringBuffer buffer;
    pointer.StringifyUriFragment(buffer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace courier::schemas::detail
