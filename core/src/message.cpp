#include "courier/core/message.hpp"

#include <algorithm>

namespace courier {

void Headers::add(std::string name, std::string value) {
    items_.push_back(Header{std::move(name), std::move(value)});
}

void Headers::set(std::string_view name, std::string value) {
    auto first = std::find_if(items_.begin(), items_.end(), [&](const Header& h) { return h.name == name; });
    if (first == items_.end()) {
        items_.push_back(Header{std::string(name), std::move(value)});
        return;
    }
    first->value = std::move(value);
    auto rest = std::remove_if(first + 1, items_.end(), [&](const Header& h) { return h.name == name; });
    items_.erase(rest, items_.end());
}

std::size_t Headers::remove(std::string_view name) {
    auto before = items_.size();
    std::erase_if(items_, [&](const Header& h) { return h.name == name; });
    return before - items_.size();
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
        if (it->name == name) return std::string_view(it->value);
    }
    return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
    std::vector<std::string_view> values;
    for (const auto& h : items_) {
        if (h.name == name) values.emplace_back(h.value);
    }
    return values;
}

std::string describe_position(const Message& message) {
    if (!message.metadata) return message.topic;
    return message.topic + "[" + std::to_string(message.metadata->partition) + "]@" +
           std::to_string(message.metadata->offset);
}

}  // namespace courier
