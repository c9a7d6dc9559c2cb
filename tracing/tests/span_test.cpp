#include "courier/tracing/span.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "courier/tracing/batch_span_processor.hpp"
#include "courier/tracing/in_memory_exporter.hpp"
#include "courier/tracing/tracer_provider.hpp"

namespace courier::tracing {
namespace {

using namespace std::chrono_literals;

struct Fixture {
    std::shared_ptr<InMemorySpanExporter> exporter = std::make_shared<InMemorySpanExporter>();
    TracerProvider provider{TracerProviderOptions{}, exporter};
    Tracer tracer = provider.tracer("test");

    std::vector<SpanData> flushed() {
        EXPECT_TRUE(provider.force_flush(5s));
        return exporter->spans();
    }
};

TEST(Tracer, ARootSpanGetsFreshIdsAndAChildKeepsItsTraceId) {
    Fixture f;
    auto root = f.tracer.start_span("root");
    StartOptions child_options;
    child_options.parent = root.context();
    auto child = f.tracer.start_span("child", child_options);
    EXPECT_TRUE(root.context().valid());
    EXPECT_EQ(child.context().trace_id, root.context().trace_id);
    EXPECT_NE(child.context().span_id, root.context().span_id);
    child.end();
    root.end();
    auto spans = f.flushed();
    ASSERT_EQ(spans.size(), 2u);
    EXPECT_EQ(spans[0].name, "child");
    EXPECT_EQ(spans[0].parent_span_id, spans[1].context.span_id);
    EXPECT_FALSE(spans[1].parent_span_id.valid());
    EXPECT_GE(spans[0].end_unix_nano, spans[0].start_unix_nano);
    ASSERT_NE(spans[0].scope, nullptr);
    EXPECT_EQ(spans[0].scope->name, "test");
}

TEST(Tracer, TheActiveScopeIsTheDefaultParentAndScopesNest) {
    Fixture f;
    auto outer = f.tracer.start_span("outer");
    {
        Scope scope(outer.context());
        EXPECT_EQ(current_context().span_id, outer.context().span_id);
        auto inner = f.tracer.start_span("inner");
        {
            Scope nested(inner.context());
            EXPECT_EQ(current_context().span_id, inner.context().span_id);
        }
        EXPECT_EQ(current_context().span_id, outer.context().span_id);
        EXPECT_EQ(inner.context().trace_id, outer.context().trace_id);
    }
    EXPECT_FALSE(current_context().valid());
    StartOptions root;
    root.parent = SpanContext{};
    Scope scope(outer.context());
    EXPECT_NE(f.tracer.start_span("new root", root).context().trace_id, outer.context().trace_id);
}

TEST(Span, RecordsAttributesOfEveryKindEventsLinksAndStatus) {
    Fixture f;
    auto other = f.tracer.start_span("other");
    {
        auto span = f.tracer.start_span("work", {SpanKind::client, std::nullopt, {}, {}, std::nullopt});
        span.set_attribute("s", "text");
        span.set_attribute("s2", std::string("owned"));
        span.set_attribute("i", 42);
        span.set_attribute("u", uint32_t{7});
        span.set_attribute("d", 2.5);
        span.set_attribute("b", true);
        span.set_attribute("i", 43);  // replaces
        Attributes attributes;
        attributes.set("attempt", int64_t{2});
        span.add_event("retry", attributes);
        span.add_link(other.context());
        span.add_link(SpanContext{});  // invalid: ignored
        span.set_status(StatusCode::error, "boom");
        span.update_name("renamed");
    }  // the destructor ends it
    auto spans = f.flushed();
    ASSERT_EQ(spans.size(), 1u);
    const auto& s = spans[0];
    EXPECT_EQ(s.name, "renamed");
    EXPECT_EQ(s.kind, SpanKind::client);
    EXPECT_EQ(s.attributes.size(), 6u);
    EXPECT_EQ(std::get<std::string>(*s.attributes.find("s")), "text");
    EXPECT_EQ(std::get<std::string>(*s.attributes.find("s2")), "owned");
    EXPECT_EQ(std::get<int64_t>(*s.attributes.find("i")), 43);
    EXPECT_EQ(std::get<int64_t>(*s.attributes.find("u")), 7);
    EXPECT_EQ(std::get<double>(*s.attributes.find("d")), 2.5);
    EXPECT_EQ(std::get<bool>(*s.attributes.find("b")), true);
    ASSERT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.events[0].name, "retry");
    ASSERT_EQ(s.links.size(), 1u);
    EXPECT_EQ(s.links[0].context.span_id, other.context().span_id);
    EXPECT_EQ(s.status, StatusCode::error);
    EXPECT_EQ(s.status_message, "boom");
}

TEST(Span, OkStatusIsFinalAndEndIsIdempotent) {
    Fixture f;
    auto span = f.tracer.start_span("x");
    span.set_status(StatusCode::ok);
    span.set_status(StatusCode::error, "late");
    span.end();
    span.end();
    auto spans = f.flushed();
    ASSERT_EQ(spans.size(), 1u);
    EXPECT_EQ(spans[0].status, StatusCode::ok);
    EXPECT_TRUE(span.context().valid()) << "the context stays readable after end()";
}

TEST(Span, ASampledOutSpanPropagatesAContextWithTheFlagClearAndRecordsNothing) {
    auto exporter = std::make_shared<InMemorySpanExporter>();
    TracerProviderOptions options;
    options.sampler = always_off();
    TracerProvider provider(options, exporter);
    auto span = provider.tracer().start_span("x");
    EXPECT_FALSE(span.is_recording());
    EXPECT_TRUE(span.context().valid());
    EXPECT_FALSE(span.context().sampled());
    span.set_attribute("ignored", 1);
    span.end();
    EXPECT_TRUE(provider.force_flush(5s));
    EXPECT_TRUE(exporter->spans().empty());
    EXPECT_EQ(provider.stats().ended, 0u);
}

TEST(Tracer, ADefaultTracerPassesTheParentContextThroughUnchanged) {
    Tracer noop;
    SpanContext parent{new_trace_id(), new_span_id(), kSampledFlag, "a=1", true};
    StartOptions options;
    options.parent = parent;
    auto span = noop.start_span("x", options);
    EXPECT_FALSE(span.is_recording());
    EXPECT_EQ(span.context(), parent);
    EXPECT_FALSE(noop.enabled());
}

TEST(Tracer, ExporterNoneStillMakesIdsSoContextPropagates) {
    TracerProviderOptions options;
    options.exporter = ExporterKind::none;
    TracerProvider provider(options);
    auto span = provider.tracer().start_span("x");
    EXPECT_TRUE(span.context().valid());
    EXPECT_FALSE(span.is_recording());
}

// An exporter that blocks until released, to fill the processor's queue.
class GateExporter final : public SpanExporter {
public:
    ExportResult export_spans(std::span<const SpanData> spans, const Resource&) override {
        std::unique_lock lock(mutex_);
        released_.wait(lock, [&] { return open_; });
        exported_ += spans.size();
        return ExportResult::success;
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        released_.notify_all();
    }
    std::size_t exported() {
        std::lock_guard lock(mutex_);
        return exported_;
    }

private:
    std::mutex mutex_;
    std::condition_variable released_;
    bool open_ = false;
    std::size_t exported_ = 0;
};

TEST(BatchSpanProcessor, DropsAndCountsSpansWhenTheQueueIsFullWithoutBlocking) {
    auto exporter = std::make_shared<GateExporter>();
    BatchSpanProcessor processor(exporter, Resource::make("test"), {8, 4, 10ms});
    auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i) {
        SpanData span;
        span.name = "s";
        processor.on_end(std::move(span));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms) << "on_end must never wait for the exporter";
    auto stats = processor.stats();
    EXPECT_EQ(stats.ended, 1000u);
    // At most the queue (8) plus what the exporter took out of it (at most another 8) survive.
    EXPECT_GE(stats.dropped, 1000u - 16u);
    exporter->open();
    EXPECT_TRUE(processor.force_flush(5s));
    EXPECT_EQ(exporter->exported() + processor.stats().dropped, 1000u);
}

// Records the size of every batch.
class BatchSizes final : public SpanExporter {
public:
    ExportResult export_spans(std::span<const SpanData> spans, const Resource&) override {
        std::lock_guard lock(mutex_);
        sizes_.push_back(spans.size());
        return ExportResult::success;
    }
    std::vector<std::size_t> sizes() {
        std::lock_guard lock(mutex_);
        return sizes_;
    }
    std::size_t total() {
        std::size_t sum = 0;
        for (auto n : sizes()) sum += n;
        return sum;
    }

private:
    std::mutex mutex_;
    std::vector<std::size_t> sizes_;
};

TEST(BatchSpanProcessor, AFullBatchGoesAtOnceInBatchesNoLargerThanConfiguredAndTheRestOnShutdown) {
    auto exporter = std::make_shared<BatchSizes>();
    auto processor = std::make_unique<BatchSpanProcessor>(exporter, Resource::make("test"),
                                                          BatchOptions{100, 10, std::chrono::hours(1)});
    for (int i = 0; i < 9; ++i) processor->on_end(SpanData{});
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(exporter->total(), 0u) << "less than a batch waits for the (hour-long) delay";
    for (int i = 0; i < 16; ++i) processor->on_end(SpanData{});
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (exporter->total() < 10 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    EXPECT_GE(exporter->total(), 10u) << "a full batch is exported without a flush";
    processor->shutdown(5s);
    EXPECT_EQ(exporter->total(), 25u) << "shutdown exports the rest";
    for (auto n : exporter->sizes()) EXPECT_LE(n, 10u);
    EXPECT_EQ(processor->stats().exported, 25u);
    processor->on_end(SpanData{});
    EXPECT_EQ(processor->stats().dropped, 1u) << "spans after shutdown are dropped and counted";
}

TEST(BatchSpanProcessor, RecyclesExportedSpansForNewOnes) {
    auto exporter = std::make_shared<InMemorySpanExporter>();
    BatchSpanProcessor processor(exporter, Resource::make("test"), {100, 10, 10ms});
    EXPECT_TRUE(processor.acquire().name.empty());
    SpanData span;
    span.name = "a name long enough to live on the heap";
    span.attributes.set("k", std::string("v"));
    processor.on_end(std::move(span));
    ASSERT_TRUE(processor.force_flush(5s));
    auto recycled = processor.acquire();
    EXPECT_TRUE(recycled.name.empty());
    EXPECT_GE(recycled.name.capacity(), 30u) << "the buffer is kept";
    EXPECT_TRUE(recycled.attributes.empty());
    EXPECT_EQ(exporter->spans().at(0).name, "a name long enough to live on the heap");
}

TEST(BatchSpanProcessor, ExportsOnTheScheduleDelayWithoutAFlush) {
    auto exporter = std::make_shared<InMemorySpanExporter>();
    BatchSpanProcessor processor(exporter, Resource::make("test"), {100, 50, 50ms});
    processor.on_end(SpanData{});
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (exporter->spans().empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(exporter->spans().size(), 1u);
}

TEST(Span, EndsFromAnotherThreadAndCountsInTheProvidersStats) {
    Fixture f;
    auto span = f.tracer.start_span("moved");
    std::thread([s = std::move(span)]() mutable { s.end(); }).join();
    EXPECT_EQ(f.flushed().size(), 1u);
    EXPECT_EQ(f.provider.stats().ended, 1u);
    EXPECT_EQ(f.provider.stats().exported, 1u);
}

}  // namespace
}  // namespace courier::tracing
