#include "bounded_json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/writer.h>

namespace courier::schemas::detail {

std::string BoundedParse::describe(std::size_t max_depth) const {
    auto at = " (at byte " + std::to_string(offset) + ")";
    switch (stop) {
        case ParseStop::none:
            return "well-formed JSON";
        case ParseStop::too_deep:
            return "nests arrays/objects deeper than the limit of " + std::to_string(max_depth) + at;
        case ParseStop::nul_in_string:
            return "a string holds U+0000, which courier refuses" + at;
        case ParseStop::duplicate_key:
            return "has the key " + quoted_key() + " twice in one object" + at;
        case ParseStop::handler:
            return "stopped by the validator" + at;
        case ParseStop::syntax:
            return std::string("not valid JSON: ") + rapidjson::GetParseError_En(code) + at;
        case ParseStop::trailing_bytes:
            return "not valid JSON: unexpected bytes after the document" + at;
    }
    return "unknown parse outcome";
}

std::string BoundedParse::quoted_key() const {
    rapidjson::Value name(rapidjson::StringRef(key.data(), key.size()));
    return to_json_text(name, 80);
}

void DuplicateKeyGuard::open_object() { frames_.push_back({hashes_.size(), nullptr}); }

void DuplicateKeyGuard::close_object() {
    hashes_.resize(frames_.back().start);
    frames_.pop_back();
}

bool DuplicateKeyGuard::add(std::string_view key) {
    // FNV-1a: cheap and good enough for a handful of keys; see the class comment on collisions.
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : key) hash = (hash ^ c) * 1099511628211ull;
    auto& frame = frames_.back();
    if (frame.many) return frame.many->insert(hash).second;
    for (std::size_t i = frame.start; i < hashes_.size(); ++i) {
        if (hashes_[i] == hash) return false;
    }
    hashes_.push_back(hash);
    if (hashes_.size() - frame.start > kScanLimit) {
        frame.many =
            std::make_unique<std::unordered_set<std::uint64_t>>(hashes_.begin() + frame.start, hashes_.end());
    }
    return true;
}

BoundedParse parse_document(std::string_view text, rapidjson::Document& document, std::size_t max_depth) {
    BoundedParse outcome;
    auto generate = [&](rapidjson::Document& handler) {
        outcome = parse_bounded(text, handler, max_depth);
        return outcome.ok();
    };
    document.Populate(generate);
    return outcome;
}

std::string to_json_text(const rapidjson::Value& value, std::size_t max_chars) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    std::string text(buffer.GetString(), buffer.GetSize());
    if (text.size() > max_chars) {
        // Cut on a UTF-8 character boundary so the message stays valid UTF-8.
        std::size_t cut = max_chars;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text.resize(cut);
        text += "...";
    }
    return text;
}

}  // namespace courier::schemas::detail
