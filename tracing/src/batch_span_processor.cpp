#include "courier/tracing/batch_span_processor.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace courier::tracing {

using Steady = std::chrono::steady_clock;

struct BatchSpanProcessor::Impl {
    std::shared_ptr<SpanExporter> exporter;
    Resource resource;
    BatchOptions options;

    std::mutex mutex;
    std::condition_variable wake;      // the export thread: spans, flush or stop
    std::condition_variable progress;  // flushers: another batch is done
    std::vector<SpanData> queue;
    // Atomic: the export loop checks them between batches without the lock.
    std::atomic<bool> stopping{false};
    bool stopped = false;
    uint64_t enqueued = 0;  // sequence number of the last span queued
    uint64_t finished = 0;  // spans exported or failed (in queue order)
    uint64_t flush_target = 0;
    std::atomic<Steady::rep> stop_deadline{0};  // steady-clock ticks; set before `stopping`

    std::mutex pool_mutex;
    std::vector<SpanData> pool;  // cleared spans for acquire()

    std::atomic<uint64_t> ended{0}, dropped{0}, exported{0}, export_failed{0}, batches{0};
    std::thread thread;

    void run() {
        // The exporter swaps the whole queue out and exports it in batches without the lock; the
        // vectors trade places each round, so neither side allocates in the steady state.
        std::vector<SpanData> taken;
        taken.reserve(options.max_queue_size);
        std::unique_lock lock(mutex);
        while (true) {
            auto deadline = Steady::now() + options.schedule_delay;
            wake.wait_until(lock, deadline, [&] {
                return stopping || queue.size() >= options.max_export_batch_size || flush_target > finished;
            });
            if (queue.empty()) {
                if (stopping) break;
                continue;
            }
            if (past_stop_deadline()) break;  // what is left is counted dropped
            std::swap(queue, taken);
            lock.unlock();

            std::size_t done = 0;
            while (done < taken.size()) {
                if (past_stop_deadline()) break;
                std::size_t n = std::min(taken.size() - done, options.max_export_batch_size);
                export_batch(std::span<const SpanData>(taken.data() + done, n));
                done += n;
            }
            if (done < taken.size()) dropped.fetch_add(taken.size() - done, std::memory_order_relaxed);
            recycle(taken);

            lock.lock();
            finished += taken.size();
            taken.clear();
            progress.notify_all();
        }
        stopped = true;
        progress.notify_all();
    }

    bool past_stop_deadline() const noexcept {
        return stopping.load(std::memory_order_acquire) &&
               Steady::now().time_since_epoch().count() >= stop_deadline.load(std::memory_order_relaxed);
    }

    void export_batch(std::span<const SpanData> batch) {
        batches.fetch_add(1, std::memory_order_relaxed);
        ExportResult result = ExportResult::failure;
        try {
            result = exporter->export_spans(batch, resource);
        } catch (const std::exception& e) {
            spdlog::error("tracing: exporter threw: {}; {} span(s) lost", e.what(), batch.size());
        }
        (result == ExportResult::success ? exported : export_failed)
            .fetch_add(batch.size(), std::memory_order_relaxed);
    }

    // Clears exported spans (outside any lock) and keeps them for acquire().
    void recycle(std::vector<SpanData>& spans) {
        for (auto& span : spans) span.clear();
        std::lock_guard pool_lock(pool_mutex);
        for (auto& span : spans) {
            if (pool.size() >= options.max_queue_size) break;
            pool.push_back(std::move(span));
        }
    }
};

BatchSpanProcessor::BatchSpanProcessor(std::shared_ptr<SpanExporter> exporter, Resource resource,
                                       BatchOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->exporter = std::move(exporter);
    impl_->resource = std::move(resource);
    if (options.max_queue_size == 0) options.max_queue_size = 1;
    if (options.max_export_batch_size == 0 || options.max_export_batch_size > options.max_queue_size) {
        options.max_export_batch_size = options.max_queue_size;
    }
    impl_->options = options;
    impl_->queue.reserve(options.max_queue_size);
    impl_->pool.reserve(options.max_queue_size);
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() { shutdown(std::chrono::seconds(10)); }

void BatchSpanProcessor::on_end(SpanData&& span) noexcept {
    auto& s = *impl_;
    s.ended.fetch_add(1, std::memory_order_relaxed);
    bool wake = false;
    {
        std::lock_guard lock(s.mutex);
        if (s.stopping || s.queue.size() >= s.options.max_queue_size) {
            s.dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        s.queue.push_back(std::move(span));
        ++s.enqueued;
        wake = s.queue.size() == s.options.max_export_batch_size;
    }
    // Only the span that completes a batch wakes the exporter: one notify per batch, not per span.
    if (wake) s.wake.notify_one();
}

SpanData BatchSpanProcessor::acquire() {
    auto& s = *impl_;
    std::lock_guard lock(s.pool_mutex);
    if (s.pool.empty()) return {};
    SpanData span = std::move(s.pool.back());
    s.pool.pop_back();
    return span;
}

bool BatchSpanProcessor::force_flush(std::chrono::milliseconds timeout) {
    auto& s = *impl_;
    std::unique_lock lock(s.mutex);
    if (s.stopped) return s.queue.empty();
    // Spans dropped while queued do not count: `finished` follows the queue, so wait for the
    // queue position of the last span queued so far.
    uint64_t target = s.enqueued;
    s.flush_target = std::max(s.flush_target, target);
    s.wake.notify_one();
    return s.progress.wait_for(lock, timeout, [&] { return s.finished >= target || s.stopped; }) &&
           s.finished >= target;
}

void BatchSpanProcessor::shutdown(std::chrono::milliseconds timeout) {
    auto& s = *impl_;
    {
        std::lock_guard lock(s.mutex);
        if (!s.thread.joinable()) return;
        s.stop_deadline.store((Steady::now() + timeout).time_since_epoch().count(),
                              std::memory_order_relaxed);
        s.stopping.store(true, std::memory_order_release);
    }
    s.exporter->shutdown(Steady::now() + timeout);
    s.wake.notify_one();
    s.thread.join();
    auto left = s.queue.size();
    if (left > 0) {
        s.dropped.fetch_add(left, std::memory_order_relaxed);
        s.queue.clear();
    }
}

TracingStats BatchSpanProcessor::stats() const {
    const auto& s = *impl_;
    return {s.ended.load(), s.dropped.load(), s.exported.load(), s.export_failed.load(), s.batches.load()};
}

}  // namespace courier::tracing
