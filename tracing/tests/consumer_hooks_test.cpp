#include "courier/tracing/consumer_hooks.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "courier/broker/memory/publisher.hpp"
#include "courier/broker/memory/subscriber.hpp"
#include "courier/consumers/router.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/tracing/in_memory_exporter.hpp"
#include "courier/tracing/tracer_provider.hpp"
#include "courier/tracing/tracing_publisher.hpp"

namespace courier::tracing {
namespace {

using namespace std::chrono_literals;
namespace memory = broker::memory;

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return done();
}

Message event(const std::string& topic, const std::string& type) {
    Message m;
    m.topic = topic;
    m.payload = "{}";
    ce::Attributes a;
    a.type = type;
    a.source = "/test";
    a.subject = "k1";
    ce::stamp(m, a);
    return m;
}

class ConsumerHooks : public ::testing::Test {
protected:
    void SetUp() override {
        broker_->create_topic("orders", 1);
        broker_->create_topic("orders.dlq", 1);
        broker_->create_topic("replies", 1);
    }
    void run(consumers::Router& router) {
        thread_ = std::jthread([&router](std::stop_token stop) { router.run(stop); });
    }
    // Before the router (a local of the test) goes away.
    void stop() {
        thread_.request_stop();
        if (thread_.joinable()) thread_.join();
    }
    std::vector<SpanData> spans(std::size_t at_least) {
        eventually([&] {
            provider_.force_flush(1s);
            return exporter_->spans().size() >= at_least;
        });
        return exporter_->spans();
    }
    static const SpanData* find(const std::vector<SpanData>& spans, std::string_view name) {
        for (const auto& s : spans) {
            if (s.name == name) return &s;
        }
        return nullptr;
    }

    std::shared_ptr<InMemorySpanExporter> exporter_ = std::make_shared<InMemorySpanExporter>();
    TracerProvider provider_{TracerProviderOptions{}, exporter_};
    Tracer tracer_ = provider_.tracer("courier.consumers");
    std::shared_ptr<memory::Broker> broker_ = std::make_shared<memory::Broker>();
    memory::Publisher raw_publisher_{broker_};
    TracingPublisher publisher_{raw_publisher_, tracer_};
    memory::Subscriber subscriber_{broker_, memory::SubscriberOptions{"billing"}};
    std::jthread thread_;
};

TEST_F(ConsumerHooks, TheRouterGetsAProcessSpanPerMessageParentedByTheProducerAndActiveInTheHandler) {
    consumers::RouterOptions options;
    options.group = "billing";
    options.poll_timeout = 10ms;
    consumers::Router router(options, subscriber_, raw_publisher_);
    router.use(consumers::middleware::tracing_hook(consumer_tracing_hooks(tracer_)));
    std::atomic<int> handled{0};
    router.handle("bill", "orders", "*", [&](consumers::Context& context) -> Result<void> {
        // A message published from the handler continues the process span's trace.
        auto reply = event("replies", "billed.v1");
        publisher_.publish(std::move(reply), [](Result<broker::DeliveryReport>) {});
        EXPECT_TRUE(current_context().valid());
        ++handled;
        (void)context;
        return {};
    });
    publisher_.publish(event("orders", "order.placed.v1"), [](Result<broker::DeliveryReport>) {});
    run(router);
    bool done = eventually([&] { return handled == 1; });
    stop();
    ASSERT_TRUE(done);
    auto all = spans(3);
    const auto* send = find(all, "send orders");
    const auto* process = find(all, "process orders");
    const auto* reply = find(all, "send replies");
    ASSERT_TRUE(send && process && reply);
    EXPECT_EQ(process->kind, SpanKind::consumer);
    EXPECT_EQ(process->context.trace_id, send->context.trace_id);
    EXPECT_EQ(process->parent_span_id, send->context.span_id);
    ASSERT_EQ(process->links.size(), 1u);
    EXPECT_EQ(process->links[0].context.span_id, send->context.span_id);
    EXPECT_EQ(reply->parent_span_id, process->context.span_id) << "the handler ran inside the process span";
    EXPECT_EQ(reply->context.trace_id, send->context.trace_id);
    EXPECT_EQ(std::get<std::string>(*process->attributes.find("messaging.consumer.group.name")), "billing");
    EXPECT_EQ(std::get<std::string>(*process->attributes.find("courier.handler")), "bill");
    EXPECT_EQ(std::get<int64_t>(*process->attributes.find("courier.attempt")), 1);
    EXPECT_EQ(std::get<int64_t>(*process->attributes.find("messaging.kafka.offset")), 0);
    EXPECT_FALSE(current_context().valid()) << "the test thread never had a scope";
}

TEST_F(ConsumerHooks, FailedAttemptsAndAThrowingHandlerEndTheirSpansWithErrors) {
    consumers::RouterOptions options;
    options.group = "billing";
    options.poll_timeout = 10ms;
    options.retry.max_permanent_attempts = 2;
    options.retry.initial_backoff = 5ms;
    options.retry.max_backoff = 10ms;
    consumers::Router router(options, subscriber_, raw_publisher_);
    router.use(consumers::middleware::tracing_hook(consumer_tracing_hooks(tracer_)));
    std::atomic<int> calls{0};
    router.handle("bill", "orders", "*", [&](consumers::Context& context) -> Result<void> {
        ++calls;
        if (context.message.payload == "throw") throw std::runtime_error("kaboom");
        return Error::permanent("billing.rejected", "card declined");
    });
    auto throwing = event("orders", "order.placed.v1");
    throwing.payload = "throw";
    publisher_.publish(event("orders", "order.placed.v1"), [](Result<broker::DeliveryReport>) {});
    publisher_.publish(std::move(throwing), [](Result<broker::DeliveryReport>) {});
    run(router);
    // 2 attempts of the first, then attempts of the thrower; its spans end when the next starts.
    bool done = eventually([&] { return calls >= 4; });
    stop();
    ASSERT_TRUE(done);
    auto all = spans(5);
    int declined = 0, threw = 0, attempts_two = 0;
    for (const auto& s : all) {
        if (s.name != "process orders") continue;
        EXPECT_EQ(s.status, StatusCode::error) << s.status_message;
        declined += s.status_message == "card declined";
        threw += s.status_message == "handler threw";
        attempts_two += std::get<int64_t>(*s.attributes.find("courier.attempt")) == 2;
    }
    EXPECT_EQ(declined, 2);
    EXPECT_GE(threw, 1);
    EXPECT_GE(attempts_two, 1);
}

}  // namespace
}  // namespace courier::tracing
