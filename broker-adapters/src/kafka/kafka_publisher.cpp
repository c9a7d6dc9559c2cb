#include "courier/broker/kafka/kafka_publisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "errors.hpp"
#include "handles.hpp"

namespace courier::broker::kafka {

namespace {

// Owns a message while librdkafka holds pointers into it (payload and key are produced
// without RD_KAFKA_MSG_F_COPY), and the callback to run when it is acknowledged.
struct InFlight {
    Message message;
    DeliveryCallback done;
};

Properties producer_properties(const KafkaPublisherOptions& options) {
    Properties props;
    props.set("enable.idempotence", "true");
    props.set("acks", "all");
    props.set("queue.buffering.max.messages", std::to_string(options.max_in_flight));
    props.merge_from(options.properties);
    return props;
}

}  // namespace

struct KafkaPublisher::Impl {
    KafkaPublisherOptions options;
    ClientHandle client;
    std::atomic<std::size_t> in_flight{0};
    std::atomic<bool> stopping{false};
    // Publishers waiting for room and flushers waiting for zero share this; deliveries notify
    // only when someone waits, so the hot path takes no lock.
    std::atomic<int> waiters{0};
    std::mutex room_mutex;
    std::condition_variable room;
    std::jthread poller;

    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* rkmessage, void* opaque) {
        auto* self = static_cast<Impl*>(opaque);
        std::unique_ptr<InFlight> entry(static_cast<InFlight*>(rkmessage->_private));
        if (rkmessage->err) {
            entry->done(to_error(rkmessage->err, "publish to " + entry->message.topic));
        } else {
            entry->done(DeliveryReport{std::move(entry->message.topic), rkmessage->partition, rkmessage->offset});
        }
        entry.reset();
        self->in_flight.fetch_sub(1);
        if (self->waiters.load() > 0) {
            std::lock_guard lock(self->room_mutex);
            self->room.notify_all();
        }
    }

    template <typename Predicate>
    bool wait_until(std::chrono::steady_clock::time_point deadline, Predicate ready) {
        std::unique_lock lock(room_mutex);
        waiters.fetch_add(1);
        bool ok = room.wait_until(lock, deadline, ready);
        waiters.fetch_sub(1);
        return ok;
    }

    static void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
        auto code = static_cast<rd_kafka_resp_err_t>(err);
        note_client_error(rk, code, reason);
        if (code == RD_KAFKA_RESP_ERR__FATAL) {
            spdlog::error("kafka producer fatal error: {}", reason);
        } else {
            spdlog::warn("kafka producer: {} ({})", reason, rd_kafka_err2name(code));
        }
    }

    void poll_loop() {
        // Serves delivery reports; librdkafka calls them only inside rd_kafka_poll().
        while (!stopping.load(std::memory_order_acquire)) rd_kafka_poll(client.get(), 100);
    }

    rd_kafka_resp_err_t produce(InFlight* entry) {
        const Message& m = entry->message;
        HeadersHandle headers;
        if (!m.headers.empty()) {
            headers.reset(rd_kafka_headers_new(m.headers.size()));
            for (const auto& h : m.headers) {
                rd_kafka_header_add(headers.get(), h.name.data(), static_cast<ssize_t>(h.name.size()),
                                    h.value.data(), static_cast<ssize_t>(h.value.size()));
            }
        }
        void* key = m.key ? const_cast<char*>(m.key->data()) : nullptr;
        std::size_t key_size = m.key ? m.key->size() : 0;
        // A null headers pointer means "no headers" to librdkafka.
        auto err = rd_kafka_producev(client.get(), RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_PARTITION(m.partition),
                                     RD_KAFKA_V_VALUE(const_cast<char*>(m.payload.data()), m.payload.size()),
                                     RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_TIMESTAMP(m.timestamp_ms),
                                     RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(entry), RD_KAFKA_V_END);
        if (!err) headers.release();  // owned by librdkafka once accepted
        return err;
    }
};

KafkaPublisher::KafkaPublisher(KafkaPublisherOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    auto props = producer_properties(impl_->options);
    auto conf = make_conf(props);
    rd_kafka_conf_set_opaque(conf.get(), impl_.get());
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &Impl::on_delivery);
    rd_kafka_conf_set_error_cb(conf.get(), &Impl::on_error);
    impl_->client = make_client(RD_KAFKA_PRODUCER, std::move(conf), props);
    impl_->poller = std::jthread([impl = impl_.get()] { impl->poll_loop(); });
}

KafkaPublisher::~KafkaPublisher() {
    if (!flush(impl_->options.close_timeout)) {
        spdlog::error("kafka publisher closing with {} message(s) unacknowledged after {} ms; they are reported "
                      "as failed",
                      in_flight(), impl_->options.close_timeout.count());
        rd_kafka_purge(impl_->client.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        flush(std::chrono::milliseconds(2000));
    }
    impl_->stopping.store(true, std::memory_order_release);
    impl_->poller = {};
    // Reports still queued are served here, so every callback runs exactly once.
    while (in_flight() > 0 && rd_kafka_poll(impl_->client.get(), 100) > 0) {
    }
}

void KafkaPublisher::publish(Message message, DeliveryCallback done) {
    auto entry = std::make_unique<InFlight>(InFlight{std::move(message), std::move(done)});
    impl_->in_flight.fetch_add(1, std::memory_order_relaxed);
    auto deadline = std::chrono::steady_clock::now() + impl_->options.block_timeout;
    for (;;) {
        auto err = impl_->produce(entry.get());
        if (!err) {
            entry.release();  // on_delivery takes it back
            return;
        }
        bool may_wait = err == RD_KAFKA_RESP_ERR__QUEUE_FULL && impl_->options.backpressure == Backpressure::block &&
                        std::chrono::steady_clock::now() < deadline;
        if (!may_wait) {
            impl_->in_flight.fetch_sub(1, std::memory_order_relaxed);
            std::string context = "publish to " + entry->message.topic;
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                context += " (" + std::to_string(impl_->options.max_in_flight) + " messages in flight)";
            }
            entry->done(to_error(err, context));
            return;
        }
        auto limit = impl_->options.max_in_flight;
        impl_->wait_until(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)),
                          [&] { return impl_->in_flight.load() <= limit; });
    }
}

bool KafkaPublisher::flush(std::chrono::milliseconds timeout) {
    // Not rd_kafka_flush(): it would serve delivery callbacks on this thread too, and callbacks
    // are promised to run on the publisher's one delivery thread, in order.
    return impl_->wait_until(std::chrono::steady_clock::now() + timeout, [&] { return in_flight() == 0; });
}

std::size_t KafkaPublisher::in_flight() const { return impl_->in_flight.load(std::memory_order_relaxed); }

}  // namespace courier::broker::kafka
