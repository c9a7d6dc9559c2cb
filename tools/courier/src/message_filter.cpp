#include "courier/cli/message_filter.hpp"

#include <algorithm>

#include "courier/core/cloud_events.hpp"
#include "courier/core/errors.hpp"

namespace courier::cli {

namespace {

std::regex compile(const std::string& pattern, const std::string& what) {
    try {
        return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        throw ConfigError(what + ": invalid regular expression '" + pattern + "': " + e.what());
    }
}

}  // namespace

MessageFilter& MessageFilter::key(std::string key) {
    key_ = std::move(key);
    return *this;
}

MessageFilter& MessageFilter::key_regex(const std::string& pattern) {
    key_regex_ = compile(pattern, "key");
    key_pattern_ = pattern;
    return *this;
}

MessageFilter& MessageFilter::type(std::string type) {
    if (std::find(types_.begin(), types_.end(), type) == types_.end()) types_.push_back(std::move(type));
    return *this;
}

MessageFilter& MessageFilter::header(std::string name, std::string value) {
    headers_.push_back({std::move(name), std::move(value), std::nullopt});
    return *this;
}

MessageFilter& MessageFilter::header_regex(std::string name, const std::string& pattern) {
    auto regex = compile(pattern, "header " + name);
    headers_.push_back({std::move(name), pattern, std::move(regex)});
    return *this;
}

MessageFilter& MessageFilter::header_condition(const std::string& text) {
    auto at = text.find_first_of("=~");
    if (at == std::string::npos || at == 0) {
        throw ConfigError("header condition '" + text + "' is neither name=value nor name~regex");
    }
    auto name = text.substr(0, at), rest = text.substr(at + 1);
    return text[at] == '=' ? header(std::move(name), std::move(rest)) : header_regex(std::move(name), rest);
}

bool MessageFilter::accepts(const Message& m) const {
    if (key_ && (!m.key || *m.key != *key_)) return false;
    if (key_regex_ && (!m.key || !std::regex_search(*m.key, *key_regex_))) return false;
    if (!types_.empty()) {
        auto type = m.headers.get(ce::kType);
        if (!type || std::find(types_.begin(), types_.end(), *type) == types_.end()) return false;
    }
    for (const auto& h : headers_) {
        auto value = m.headers.get(h.name);
        if (!value) return false;
        if (h.pattern ? !std::regex_search(value->begin(), value->end(), *h.pattern) : *value != h.text)
            return false;
    }
    return true;
}

bool MessageFilter::empty() const noexcept {
    return !key_ && !key_regex_ && types_.empty() && headers_.empty();
}

std::string MessageFilter::describe() const {
    std::vector<std::string> parts;
    if (key_) parts.push_back("key=" + *key_);
    if (key_regex_) parts.push_back("key~" + key_pattern_);
    if (!types_.empty()) {
        auto sorted = types_;
        std::sort(sorted.begin(), sorted.end());
        std::string text = "type=";
        for (std::size_t i = 0; i < sorted.size(); ++i) text += (i ? "|" : "") + sorted[i];
        parts.push_back(text);
    }
    for (const auto& h : headers_) parts.push_back("header:" + h.name + (h.pattern ? "~" : "=") + h.text);
    std::sort(parts.begin() + (key_ ? 1 : 0) + (key_regex_ ? 1 : 0) + (types_.empty() ? 0 : 1), parts.end());
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
    return out.empty() ? "(none)" : out;
}

}  // namespace courier::cli
