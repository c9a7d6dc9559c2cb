#include "courier/broker/kafka/range_reader.hpp"

#include <algorithm>
#include <map>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/core/errors.hpp"

namespace courier::broker::kafka {

std::vector<PartitionRange> resolve_range(const Properties& properties, const RangeBounds& bounds,
                                          std::chrono::milliseconds timeout) {
    KafkaAdmin admin(properties);
    auto ids = admin.describe_topic(bounds.topic, timeout).partitions;
    if (!bounds.partitions.empty()) {
        for (auto id : bounds.partitions) {
            if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
                throw CourierError(ErrorKind::permanent,
                                   "topic " + bounds.topic + " has no partition " + std::to_string(id) +
                                       " (it has " + std::to_string(ids.size()) + ", numbered from 0)");
            }
        }
        ids = bounds.partitions;
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
    std::vector<TopicPartition> partitions;
    std::vector<PartitionRange> ranges;
    std::vector<int64_t> highs;
    for (auto id : ids) {
        TopicPartition tp{bounds.topic, id};
        auto marks = admin.watermarks(tp, timeout);
        int64_t start = marks.low, end = marks.high;
        if (bounds.from_offset) {
            start = std::max(
                start, *bounds.from_offset >= 0 ? *bounds.from_offset : marks.high + *bounds.from_offset);
        }
        if (bounds.to_offset) end = std::min(end, *bounds.to_offset + 1);
        partitions.push_back(tp);
        highs.push_back(marks.high);
        ranges.push_back({tp, start, end});
    }
    // No message at or after the time: the bound is the end of the partition.
    if (bounds.since_ms) {
        auto offsets = admin.offsets_for_time(partitions, *bounds.since_ms, timeout);
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            ranges[i].start = std::max(ranges[i].start, offsets[i] >= 0 ? offsets[i] : highs[i]);
        }
    }
    if (bounds.until_ms) {
        auto offsets = admin.offsets_for_time(partitions, *bounds.until_ms, timeout);
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            ranges[i].end = std::min(ranges[i].end, offsets[i] >= 0 ? offsets[i] : highs[i]);
        }
    }
    for (auto& r : ranges) r.start = std::min(r.start, r.end);
    return ranges;
}

struct RangeReader::Impl {
    std::vector<PartitionRange> ranges;
    int64_t total = 0;
    std::map<TopicPartition, int64_t> remaining;  // partitions still being read -> their end
    std::unique_ptr<KafkaSubscriber> subscriber;

    void finish(std::map<TopicPartition, int64_t>::iterator it) {
        // Stop fetching past the range: a bounded read should not pull the rest of the log.
        subscriber->pause({it->first});
        remaining.erase(it);
    }
};

RangeReader::RangeReader(const Properties& properties, std::vector<PartitionRange> ranges,
                         std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    std::sort(ranges.begin(), ranges.end());
    impl_->ranges = std::move(ranges);
    std::vector<std::pair<TopicPartition, StartPosition>> starts;
    for (const auto& r : impl_->ranges) {
        impl_->total += r.size();
        if (r.size() == 0) continue;
        impl_->remaining[r.partition] = r.end;
        starts.emplace_back(r.partition, StartPosition::at_offset(r.start));
    }
    if (starts.empty()) return;
    Properties props = properties;
    // End-of-partition events tell a range whose last offsets are gone (compaction, a
    // transaction marker) from one still being fetched.
    props.set("enable.partition.eof", "true");
    impl_->subscriber = std::make_unique<KafkaSubscriber>(KafkaSubscriberOptions{props, "", "earliest"});
    impl_->subscriber->assign(starts, timeout);
}

RangeReader::RangeReader(const Properties& properties, const RangeBounds& bounds,
                         std::chrono::milliseconds timeout)
    : RangeReader(properties, resolve_range(properties, bounds, timeout), timeout) {}

RangeReader::~RangeReader() = default;

const std::vector<PartitionRange>& RangeReader::ranges() const noexcept { return impl_->ranges; }

int64_t RangeReader::total() const noexcept { return impl_->total; }

bool RangeReader::done() const noexcept { return impl_->remaining.empty(); }

Result<std::vector<Message>> RangeReader::poll(std::size_t max, std::chrono::milliseconds timeout) {
    auto& remaining = impl_->remaining;
    if (remaining.empty()) return std::vector<Message>{};
    auto batch = impl_->subscriber->poll(max, timeout);
    if (!batch) return batch;
    std::vector<Message> out;
    out.reserve(batch->size());
    auto current = remaining.end();  // messages come in runs of one partition
    for (auto& m : *batch) {
        int32_t partition = m.metadata->partition;
        if (current == remaining.end() || current->first.partition != partition ||
            current->first.topic != m.topic) {
            current = remaining.find(TopicPartition{m.topic, partition});
            if (current == remaining.end()) continue;  // finished; fetched before the pause took effect
        }
        int64_t offset = m.metadata->offset;
        if (offset >= current->second) {
            impl_->finish(current);
            current = remaining.end();
            continue;
        }
        bool last = offset + 1 >= current->second;
        out.push_back(std::move(m));
        if (last) {
            impl_->finish(current);
            current = remaining.end();
        }
    }
    for (const auto& tp : impl_->subscriber->partitions_at_end()) {
        if (auto it = remaining.find(tp); it != remaining.end()) impl_->finish(it);
    }
    return out;
}

void RangeReader::read(const std::function<bool(const Message&)>& visit, const std::atomic<bool>* stop) {
    while (!done() && !(stop && stop->load())) {
        auto batch = poll(500, std::chrono::milliseconds(200));
        if (!batch) {
            if (batch.error().kind != ErrorKind::transient) throw CourierError(batch.error());
            continue;
        }
        for (const auto& m : *batch) {
            if (!visit(m)) return;
        }
    }
}

}  // namespace courier::broker::kafka
