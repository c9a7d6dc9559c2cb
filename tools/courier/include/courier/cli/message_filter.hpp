#pragma once
// Which consumed messages a command acts on: `courier replay` and `courier dlq` select by key,
// ce_type and headers through this one filter.

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "courier/core/message.hpp"

namespace courier::cli {

/// A conjunction of conditions; a message passes when it meets every one. Several types form
/// one condition (any of them). Regular expressions are ECMAScript and match anywhere in the
/// text (anchor them with ^ and $). An absent key or header matches no condition on it.
/// Immutable after set-up; accepts() is safe to call from several threads.
class MessageFilter {
public:
    /// Only messages whose key is exactly `key`.
    MessageFilter& key(std::string key);
    /// Only messages whose key matches `pattern`. Throws ConfigError for an invalid expression.
    MessageFilter& key_regex(const std::string& pattern);
    /// Only messages whose ce_type is `type` or one of the other types given.
    MessageFilter& type(std::string type);
    /// Only messages whose header `name` (its last value) is exactly `value`.
    MessageFilter& header(std::string name, std::string value);
    /// Only messages whose header `name` matches `pattern`. Throws ConfigError.
    MessageFilter& header_regex(std::string name, const std::string& pattern);
    /// A header condition as typed on a command line: "name=value" (exact) or "name~regex".
    /// Throws ConfigError for another shape or an invalid expression.
    MessageFilter& header_condition(const std::string& text);

    bool accepts(const Message& message) const;
    bool empty() const noexcept;
    /// The conditions in a stable text form, e.g. "key~^order- type=a.v1|b.v1 header:x=y".
    std::string describe() const;

private:
    struct HeaderCondition {
        std::string name;
        std::string text;  // the value, or the pattern
        std::optional<std::regex> pattern;
    };
    std::optional<std::string> key_;
    std::optional<std::regex> key_regex_;
    std::string key_pattern_;
    std::vector<std::string> types_;
    std::vector<HeaderCondition> headers_;
};

}  // namespace courier::cli
