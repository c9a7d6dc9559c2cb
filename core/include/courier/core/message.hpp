#pragma once
// The one type that crosses every seam (DESIGN.md §2).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace courier {

/// One header: a name and a byte value (Kafka headers are bytes; names are UTF-8).
struct Header {
    std::string name;
    std::string value;
    bool operator==(const Header&) const = default;
};

/// Ordered, multi-valued message headers. Order of insertion is kept, as Kafka keeps it.
/// Not thread-safe; a Message is owned by one thread at a time.
class Headers {
public:
    Headers() = default;
    Headers(std::initializer_list<Header> headers) : items_(headers) {}

    /// Appends a value; earlier values of the same name stay.
    void add(std::string name, std::string value);
    /// Replaces every value of `name` with exactly one (keeps the position of the first).
    void set(std::string_view name, std::string value);
    /// Removes every value of `name`; returns how many were removed.
    std::size_t remove(std::string_view name);
    /// The last value of `name` (the one a reader should trust when a header was repeated).
    std::optional<std::string_view> get(std::string_view name) const;
    std::vector<std::string_view> get_all(std::string_view name) const;
    bool contains(std::string_view name) const { return get(name).has_value(); }

    std::size_t size() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    auto begin() const noexcept { return items_.begin(); }
    auto end() const noexcept { return items_.end(); }
    void reserve(std::size_t n) { items_.reserve(n); }
    bool operator==(const Headers&) const = default;

private:
    std::vector<Header> items_;
};

/// Set by a subscriber on a consumed message; absent on a message being produced.
struct MessageMetadata {
    int32_t partition = -1;
    int64_t offset = -1;
    int64_t timestamp_ms = -1;  ///< broker or producer time, ms since the Unix epoch; -1 if unknown
    std::string group;          ///< consumer group that received it ("" in assign mode)
    bool operator==(const MessageMetadata&) const = default;
};

/// A Kafka record as courier sees it. Payload and key are bytes held in std::string.
struct Message {
    std::string topic;
    std::optional<std::string> key;
    std::string payload;
    Headers headers;
    std::optional<MessageMetadata> metadata;  ///< read-only once consumed
    /// Partition to produce to; -1 lets the partitioner choose (hash of the key).
    int32_t partition = -1;
    /// Producer timestamp (ms since epoch); 0 lets the client stamp it.
    int64_t timestamp_ms = 0;
};

/// "topic[partition]@offset" for logs, or just the topic when not consumed.
std::string describe_position(const Message& message);

}  // namespace courier
