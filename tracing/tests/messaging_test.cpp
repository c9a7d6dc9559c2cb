#include "courier/tracing/messaging.hpp"

#include <gtest/gtest.h>

#include "courier/broker/memory/publisher.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/tracing/http_spans.hpp"
#include "courier/tracing/in_memory_exporter.hpp"
#include "courier/tracing/saga_spans.hpp"
#include "courier/tracing/trace_context.hpp"
#include "courier/tracing/tracer_provider.hpp"
#include "courier/tracing/tracing_publisher.hpp"

namespace courier::tracing {
namespace {

using namespace std::chrono_literals;

class Messaging : public ::testing::Test {
protected:
    std::shared_ptr<InMemorySpanExporter> exporter_ = std::make_shared<InMemorySpanExporter>();
    TracerProvider provider_{TracerProviderOptions{}, exporter_};
    Tracer tracer_ = provider_.tracer("courier.messaging");

    static Message event(std::string topic) {
        Message m;
        m.topic = std::move(topic);
        m.payload = R"({"order":1})";
        ce::Attributes a;
        a.type = "store.order.placed.v1";
        a.source = "/store/order";
        a.subject = "order-1";
        ce::stamp(m, a);
        return m;
    }

    SpanData only(std::string_view name) {
        EXPECT_TRUE(provider_.force_flush(5s));
        auto spans = exporter_->spans_named(name);
        EXPECT_EQ(spans.size(), 1u) << name;
        return spans.empty() ? SpanData{} : spans.front();
    }

    static std::string text(const SpanData& span, std::string_view key) {
        const auto* value = span.attributes.find(key);
        if (value == nullptr) return "<missing>";
        if (auto* s = std::get_if<std::string>(value)) return *s;
        if (auto* i = std::get_if<int64_t>(value)) return "int:" + std::to_string(*i);
        if (auto* b = std::get_if<bool>(value)) return *b ? "true" : "false";
        return "double";
    }
};

TEST_F(Messaging, ASendSpanIsAProducerWithTheConventionsAttributesAndItsContextInTheMessage) {
    auto message = event("store.order.events");
    message.headers.add("traceparent", "00-11111111111111111111111111111111-1111111111111111-01");
    message.headers.add("traceparent", "00-22222222222222222222222222222222-2222222222222222-01");
    auto span = messaging::start_send_span(tracer_, message);
    messaging::end_send_span(span, broker::DeliveryReport{"store.order.events", 3, 99});

    auto send = only("send store.order.events");
    EXPECT_EQ(send.kind, SpanKind::producer);
    EXPECT_EQ(text(send, "messaging.system"), "kafka");
    EXPECT_EQ(text(send, "messaging.operation.type"), "send");
    EXPECT_EQ(text(send, "messaging.destination.name"), "store.order.events");
    EXPECT_EQ(text(send, "messaging.destination.partition.id"), "3");
    EXPECT_EQ(text(send, "messaging.kafka.offset"), "int:99");
    EXPECT_EQ(text(send, "messaging.kafka.message.key"), "order-1");
    EXPECT_EQ(text(send, "messaging.message.id"), std::string(*message.headers.get("ce_id")));
    EXPECT_EQ(message.headers.get_all("traceparent").size(), 1u) << "exactly one traceparent, always";
    EXPECT_EQ(message.headers.get("traceparent"), format_traceparent(send.context));
}

TEST_F(Messaging, ASendSpanInsideAnotherSpanIsItsChildAndLinksAContextTheMessageAlreadyCarried) {
    auto request = tracer_.start_span("request");
    Scope scope(request.context());
    auto message = event("t");
    SpanContext copied{new_trace_id(), new_span_id(), kSampledFlag, {}, true};
    inject(copied, message.headers);  // e.g. headers copied from a consumed message
    auto span = messaging::start_send_span(tracer_, message);
    span.end();
    auto send = only("send t");
    EXPECT_EQ(send.context.trace_id, request.context().trace_id);
    EXPECT_EQ(send.parent_span_id, request.context().span_id);
    ASSERT_EQ(send.links.size(), 1u);
    EXPECT_EQ(send.links[0].context.span_id, copied.span_id);
}

TEST_F(Messaging, ASendSpanFailureRecordsErrorStatusAndType) {
    auto message = event("t");
    auto span = messaging::start_send_span(tracer_, message);
    messaging::end_send_span(span, Error::transient("kafka.msg_timed_out", "Local: Message timed out"));
    auto send = only("send t");
    EXPECT_EQ(send.status, StatusCode::error);
    EXPECT_EQ(send.status_message, "Local: Message timed out");
    EXPECT_EQ(text(send, "error.type"), "kafka.msg_timed_out");
}

TEST_F(Messaging, AProcessSpanIsAConsumerChildOfAndLinkedToTheProducer) {
    auto message = event("store.order.events");
    auto producer = messaging::start_send_span(tracer_, message);
    producer.end();
    message.metadata = MessageMetadata{4, 1234, 0, "listing-service"};
    auto span = messaging::start_process_span(tracer_, message);
    messaging::end_process_span(span, Result<void>{});

    auto process = only("process store.order.events");
    EXPECT_EQ(process.kind, SpanKind::consumer);
    EXPECT_EQ(process.context.trace_id, producer.context().trace_id);
    EXPECT_EQ(process.parent_span_id, producer.context().span_id);
    EXPECT_TRUE(process.parent_is_remote);
    ASSERT_EQ(process.links.size(), 1u);
    EXPECT_EQ(process.links[0].context.span_id, producer.context().span_id);
    EXPECT_EQ(text(process, "messaging.operation.type"), "process");
    EXPECT_EQ(text(process, "messaging.destination.partition.id"), "4");
    EXPECT_EQ(text(process, "messaging.kafka.offset"), "int:1234");
    EXPECT_EQ(text(process, "messaging.consumer.group.name"), "listing-service");
    EXPECT_EQ(text(process, "messaging.message.id"), std::string(*message.headers.get("ce_id")));
    EXPECT_EQ(process.status, StatusCode::unset);
}

TEST_F(Messaging, AProcessSpanCanBeARootThatOnlyLinksTheProducer) {
    auto message = event("t");
    auto producer = messaging::start_send_span(tracer_, message);
    producer.end();
    auto span = messaging::start_process_span(tracer_, message, {"g", false});
    span.end();
    auto process = only("process t");
    EXPECT_NE(process.context.trace_id, producer.context().trace_id);
    EXPECT_FALSE(process.parent_span_id.valid());
    ASSERT_EQ(process.links.size(), 1u);
    EXPECT_EQ(process.links[0].context.trace_id, producer.context().trace_id);
}

TEST_F(Messaging, AMalformedTraceParentStartsANewTraceAndSaysWhy) {
    auto message = event("t");
    message.headers.set("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
    auto span = messaging::start_process_span(tracer_, message);
    messaging::end_process_span(span, Error::poison("schema.invalid", "bad payload"));
    auto process = only("process t");
    EXPECT_TRUE(process.context.valid());
    EXPECT_FALSE(process.parent_span_id.valid());
    EXPECT_TRUE(process.links.empty());
    ASSERT_EQ(process.events.size(), 1u);
    EXPECT_EQ(process.events[0].name, "traceparent rejected");
    EXPECT_EQ(process.status, StatusCode::error);
    EXPECT_EQ(text(process, "error.type"), "schema.invalid");
}

TEST_F(Messaging, TheOutboxHopKeepsOneTraceFromTheWriterThroughTheRelayToTheConsumer) {
    // The writer: an HTTP request writes an outbox row in its transaction.
    auto request = start_server_span(tracer_, "POST", "/orders", "/orders", "");
    auto row = event("store.order.events");
    {
        Scope scope(request.context());
        ASSERT_TRUE(messaging::inject_current_context(row));
    }
    end_server_span(request, 202);
    // Later, on the relay's thread, with no active context.
    ASSERT_FALSE(current_context().valid());
    auto relayed = messaging::start_outbox_send_span(tracer_, row);
    messaging::end_send_span(relayed, broker::DeliveryReport{"store.order.events", 0, 5});
    row.metadata = MessageMetadata{0, 5, 0, "g"};
    auto consumed = messaging::start_process_span(tracer_, row);
    consumed.end();

    auto server = only("POST /orders");
    auto send = only("send store.order.events");
    auto process = only("process store.order.events");
    EXPECT_EQ(server.kind, SpanKind::server);
    EXPECT_EQ(send.context.trace_id, server.context.trace_id) << "the trace must not break at the outbox";
    EXPECT_EQ(send.parent_span_id, server.context.span_id);
    EXPECT_FALSE(send.parent_is_remote);
    EXPECT_EQ(text(send, "courier.outbox.relayed"), "true");
    EXPECT_EQ(process.parent_span_id, send.context.span_id);
    EXPECT_EQ(process.context.trace_id, server.context.trace_id);
    EXPECT_EQ(row.headers.get_all("traceparent").size(), 1u);
}

TEST_F(Messaging, InjectCurrentContextLeavesHeadersAloneWhenNothingIsActive) {
    auto row = event("t");
    EXPECT_FALSE(messaging::inject_current_context(row));
    EXPECT_FALSE(row.headers.contains("traceparent"));
}

TEST_F(Messaging, ADeadLetterSpanHangsUnderTheProcessSpanLinksTheOriginalAndReplacesItsTraceParent) {
    auto original = event("store.product.commands");
    auto producer = messaging::start_send_span(tracer_, original);
    producer.end();
    original.metadata = MessageMetadata{0, 7, 0, "product"};
    auto process = messaging::start_process_span(tracer_, original);
    Message copy = original;
    copy.topic = "store.product.commands.dlq";
    {
        Scope scope(process.context());
        auto span = messaging::start_dead_letter_span(tracer_, original, copy, "poison");
        messaging::end_send_span(span, broker::DeliveryReport{copy.topic, 0, 1});
    }
    process.end();
    auto dlq = only("send store.product.commands.dlq");
    EXPECT_EQ(dlq.parent_span_id, process.context().span_id);
    ASSERT_EQ(dlq.links.size(), 1u);
    EXPECT_EQ(dlq.links[0].context.span_id, producer.context().span_id);
    EXPECT_EQ(text(dlq, "courier.dlq.reason"), "poison");
    EXPECT_EQ(text(dlq, "courier.dlq.original_topic"), "store.product.commands");
    EXPECT_EQ(copy.headers.get_all("traceparent").size(), 1u);
    EXPECT_EQ(copy.headers.get("traceparent"), format_traceparent(dlq.context));
}

TEST_F(Messaging, ASagaSpanIsAnInternalChildOfTheActiveSpan) {
    auto process = tracer_.start_span("process store.product.replies");
    {
        Scope scope(process.context());
        auto saga = start_saga_span(tracer_, "PlaceOrder", "saga-1", "reserve-stock", 1);
        saga.end();
    }
    process.end();
    auto saga = only("saga PlaceOrder reserve-stock");
    EXPECT_EQ(saga.kind, SpanKind::internal);
    EXPECT_EQ(saga.parent_span_id, process.context().span_id);
    EXPECT_EQ(text(saga, "courier.saga.id"), "saga-1");
    EXPECT_EQ(text(saga, "courier.saga.step"), "int:1");
}

TEST_F(Messaging, AServerSpanContinuesTheCallersTraceAndMarksOnly5xxAsErrors) {
    auto ok = start_server_span(tracer_, "GET", "/orders/{id}", "/orders/7",
                                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=1");
    end_server_span(ok, 404);
    auto failed = start_server_span(tracer_, "POST", "/orders", "/orders", "not-a-traceparent");
    end_server_span(failed, 503);
    auto get = only("GET /orders/{id}");
    EXPECT_EQ(get.kind, SpanKind::server);
    EXPECT_EQ(get.context.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(get.parent_span_id.hex(), "00f067aa0ba902b7");
    EXPECT_EQ(get.context.trace_state, "vendor=1");
    EXPECT_EQ(get.status, StatusCode::unset);
    EXPECT_EQ(text(get, "http.response.status_code"), "int:404");
    auto post = only("POST /orders");
    EXPECT_FALSE(post.parent_span_id.valid());
    EXPECT_EQ(post.status, StatusCode::error);
    ASSERT_EQ(post.events.size(), 1u);
    EXPECT_EQ(post.events[0].name, "traceparent rejected");
}

TEST_F(Messaging, TracingPublisherEndsTheSendSpanWithTheDeliveryReportAndCallsTheCallerBack) {
    auto broker = std::make_shared<broker::memory::Broker>();
    broker->create_topic("t", 2);
    broker::memory::Publisher inner(broker);
    TracingPublisher publisher(inner, tracer_);
    std::optional<broker::DeliveryReport> report;
    publisher.publish(event("t"), [&](Result<broker::DeliveryReport> r) { report = r.value(); });
    ASSERT_TRUE(report);
    auto send = only("send t");
    EXPECT_EQ(text(send, "messaging.destination.partition.id"), std::to_string(report->partition));
    EXPECT_EQ(text(send, "messaging.kafka.offset"), "int:" + std::to_string(report->offset));
    auto stored = broker->messages("t");
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].headers.get("traceparent"), format_traceparent(send.context));

    publisher.publish(event("missing-topic"), [](Result<broker::DeliveryReport>) {});
    auto failed = only("send missing-topic");
    EXPECT_EQ(failed.status, StatusCode::error);
}

TEST_F(Messaging, ASampledOutSendStillInjectsAContextSoDownstreamStaysConsistent) {
    TracerProviderOptions options;
    options.sampler = always_off();
    TracerProvider off(options, exporter_);
    auto message = event("t");
    auto span = messaging::start_send_span(off.tracer(), message);
    span.end();
    auto context = extract(message.headers);
    ASSERT_TRUE(context);
    EXPECT_FALSE(context->sampled());
    // A parent-based consumer follows the producer's decision.
    auto process = messaging::start_process_span(tracer_, message);
    EXPECT_FALSE(process.is_recording());
    EXPECT_EQ(process.context().trace_id, context->trace_id);
}

}  // namespace
}  // namespace courier::tracing
