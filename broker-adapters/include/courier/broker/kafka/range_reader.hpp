#pragma once
// A bounded read of a topic: the offsets between two bounds as they were when the range was
// resolved, partition by partition, without joining a consumer group. `courier dlq` and
// `courier replay` read through it.

#include <atomic>
#include <chrono>
#include <compare>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "courier/broker/subscriber.hpp"
#include "courier/core/properties.hpp"

namespace courier::broker::kafka {

/// One partition's part of a range: offsets [start, end).
struct PartitionRange {
    TopicPartition partition;
    int64_t start = 0;
    int64_t end = 0;  ///< exclusive

    int64_t size() const noexcept { return end > start ? end - start : 0; }
    auto operator<=>(const PartitionRange&) const = default;
};

/// What to read. Every bound given applies: the range is their intersection.
struct RangeBounds {
    std::string topic;
    std::vector<int32_t> partitions;     ///< empty: every partition of the topic
    std::optional<int64_t> from_offset;  ///< first offset; negative: that many before the end
    std::optional<int64_t> to_offset;    ///< last offset, inclusive
    std::optional<int64_t> since_ms;     ///< from the first message stamped at or after this time
    std::optional<int64_t> until_ms;     ///< up to, not including, the first stamped at or after this
};

/// Resolves `bounds` against the broker now. Each range ends at most at the partition's high
/// watermark of this moment, so what is written later is not part of it. Time bounds follow
/// kcat's -o s@/e@ and the broker's offsets-for-times: the first offset whose message timestamp
/// is at or after the time (timestamps are producer or log-append times, so a partition written
/// out of time order is cut at the first such message). Blocks up to `timeout` per request.
/// Throws CourierError: permanent for an unknown topic or partition, transient when the broker
/// does not answer.
std::vector<PartitionRange> resolve_range(const Properties& properties, const RangeBounds& bounds,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Reads ranges of partitions of one or more topics, each from its start to its end, then
/// stops. Messages of one partition come in offset order; partitions interleave. Offsets missing
/// inside a range (compaction, transaction markers) are skipped: a partition whose log ends
/// before its range does counts as read. Not thread-safe: one thread owns it.
class RangeReader {
public:
    /// Assigns the non-empty ranges without a group. `properties` are consumer properties
    /// (bootstrap.servers, sasl.*). Throws CourierError as KafkaSubscriber::assign does.
    RangeReader(const Properties& properties, std::vector<PartitionRange> ranges,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// resolve_range(), then as above.
    RangeReader(const Properties& properties, const RangeBounds& bounds,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~RangeReader();
    RangeReader(const RangeReader&) = delete;
    RangeReader& operator=(const RangeReader&) = delete;

    /// The ranges as given or resolved, empty ones included, sorted by partition.
    const std::vector<PartitionRange>& ranges() const noexcept;
    /// Offsets in all ranges: the number of messages, or an upper bound when some are missing.
    int64_t total() const noexcept;
    /// True once every range has been read to its end.
    bool done() const noexcept;

    /// Up to `max` messages inside the ranges, waiting up to `timeout` for the first; empty when
    /// none arrived in time or when done(). Errors as KafkaSubscriber::poll: transient ones (a
    /// broker restart) clear up when polled again.
    Result<std::vector<Message>> poll(std::size_t max, std::chrono::milliseconds timeout);

    /// Calls `visit` for each message until the ranges are read, `visit` returns false, or
    /// `stop` is set. Retries transient errors; throws CourierError for permanent ones.
    void read(const std::function<bool(const Message&)>& visit, const std::atomic<bool>* stop = nullptr);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace courier::broker::kafka
