#include "courier/order/order_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <thread>

#include "courier/consumers/context.hpp"
#include "courier/core/ids.hpp"
#include "courier/http/http_error.hpp"
#include "courier/http/json.hpp"
#include "courier/saga/saga_coordinator.hpp"
#include "courier/saga/saga_query.hpp"
#include "courier/saga/saga_schema.hpp"
#include "courier/saga/timeout_sweeper.hpp"
#include "courier/schemas/store/listing_commands.hpp"
#include "courier/schemas/store/listing_replies.hpp"
#include "courier/schemas/store/product_commands.hpp"
#include "courier/schemas/store/product_replies.hpp"
#include "courier/service/handler_support.hpp"
#include "courier/service/messages.hpp"
#include "courier/tracing/span.hpp"
#include "place_order_data.hpp"

namespace courier::order {

namespace store = courier::schemas::store;
using service::ServiceRuntime;

std::vector<pg::Migration> migrations() {
    return {{1, "create_orders", R"sql(
CREATE TABLE store_order (
    id             uuid PRIMARY KEY,
    customer_id    text NOT NULL,
    status         text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED', 'FAILED')),
    reason_code    text,
    reason_message text,
    placed         jsonb NOT NULL,
    total_cents    bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX store_order_status ON store_order (status);
)sql"}};
}

namespace {

constexpr const char* kListingCommands = "store.listing.commands";
constexpr const char* kListingReplies = "store.listing.replies";
constexpr const char* kProductCommands = "store.product.commands";
constexpr const char* kProductReplies = "store.product.replies";

saga::DataCodec<PlaceOrderData> codec() {
    return {[](const PlaceOrderData& d) { return d.to_json(); },
            [](const std::string& json) { return PlaceOrderData::from_json(json); }};
}

saga::Command command(const char* topic, std::string_view type, const PlaceOrderData& d, std::string payload) {
    return saga::Command{topic, std::string(type), std::move(payload), d.placed.order_id};
}

// A rejection's reason, kept in the data for the cancellation.
template <typename Rejection>
saga::DataUpdate keep_reason() {
    return saga::typed_update<PlaceOrderData>(codec(), [](PlaceOrderData d, const std::string& reply) -> Result<PlaceOrderData> {
        auto rejected = Rejection::from_json(reply);
        if (!rejected) return std::move(rejected).error();
        d.reason = rejected->reason;
        return d;
    });
}

// The trace the current message belongs to, for log lines ("-" outside any span).
std::string trace_id() {
    const auto context = tracing::current_context();
    return context.valid() ? context.trace_id.hex() : std::string("-");
}

Result<void> exec(pg::Transaction& tx, std::string_view sql, const pg::Params& params) {
    auto r = tx.try_exec(sql, params);
    if (!r) return std::move(r).error();
    return {};
}

// The saga's end, in the transaction that makes it final: the order's status, its event, and
// for a confirmed order the stock commit.
Result<void> finish_order(const ServiceRuntime& runtime, const outbox::Outbox& outbox, pg::Transaction& tx,
                          const saga::Finished& finished) {
    auto data = PlaceOrderData::from_json(finished.data);
    if (!data) return std::move(data).error();
    const auto& placed = data->placed;
    std::vector<Message> messages;
    if (finished.status == saga::SagaStatus::completed) {
        if (auto r = exec(tx, "UPDATE store_order SET status = 'CONFIRMED', updated_at = now() WHERE id = $1::uuid",
                          {placed.order_id});
            !r) {
            return r;
        }
        messages.push_back(service::make_message(kProductCommands, store::CommitStock::kType, runtime.source(),
                                                 placed.order_id,
                                                 store::CommitStock{placed.order_id, data->lines}.to_json()));
        messages.push_back(service::make_message(
            kEvents, store::OrderConfirmed::kType, runtime.source(), placed.order_id,
            store::OrderConfirmed{placed.order_id, placed.customer_id, data->lines, placed.total_cents}.to_json()));
        spdlog::info("order {}: CONFIRMED (trace {})", placed.order_id, trace_id());
    } else if (finished.status == saga::SagaStatus::compensated) {
        store::Reason reason = data->reason.value_or(store::Reason{store::ReasonCode::timeout, finished.reason});
        if (reason.message.empty()) reason.message = "the order could not be completed";
        if (reason.message.size() > 500) reason.message.resize(500);
        if (auto r = exec(tx,
                          "UPDATE store_order SET status = 'CANCELLED', reason_code = $2, reason_message = $3, "
                          "updated_at = now() WHERE id = $1::uuid",
                          {placed.order_id, std::string(store::to_string(reason.code)), reason.message});
            !r) {
            return r;
        }
        messages.push_back(service::make_message(
            kEvents, store::OrderCancelled::kType, runtime.source(), placed.order_id,
            store::OrderCancelled{placed.order_id, placed.customer_id, reason}.to_json()));
        spdlog::info("order {}: CANCELLED ({}: {}) (trace {})", placed.order_id, store::to_string(reason.code),
                     reason.message, trace_id());
    } else {
        // A compensation kept failing: the order is neither confirmed nor cleanly cancelled.
        // No event — nothing happened that others may rely on; `courier saga show` tells why.
        if (auto r = exec(tx,
                          "UPDATE store_order SET status = 'FAILED', reason_message = $2, updated_at = now() "
                          "WHERE id = $1::uuid",
                          {placed.order_id, finished.reason});
            !r) {
            return r;
        }
        spdlog::error("order {}: FAILED, the saga needs attention: {} (trace {})", placed.order_id, finished.reason,
                      trace_id());
        return {};
    }
    return outbox.enqueue(tx, messages);
}

// ---- HTTP ------------------------------------------------------------------------------------

store::OrderPlaced read_order_request(const http::Request& request) {
    auto body = http::parse_json_body(request);
    store::OrderPlaced placed;
    placed.order_id = new_uuid();
    placed.customer_id = http::require_string(body, "customer_id");
    if (placed.customer_id.empty()) throw http::HttpError(400, "invalid_field", "customer_id must not be empty");
    const auto& items = http::require_array(body, "items");
    if (items.Empty()) throw http::HttpError(400, "invalid_field", "items must hold at least one item");
    if (items.Size() > 100) {
        throw http::HttpError(400, "invalid_field", "items holds " + std::to_string(items.Size()) + " items; at most 100");
    }
    for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
        const auto where = "items[" + std::to_string(i) + "]";
        if (!items[i].IsObject()) throw http::HttpError(400, "invalid_field", where + " must be an object");
        store::OrderItem item;
        item.listing_id = http::require_string(items[i], "listing_id", where);
        item.quantity = http::require_int(items[i], "quantity", where);
        item.unit_price_cents = http::require_int(items[i], "unit_price_cents", where);
        if (!service::is_uuid(item.listing_id)) {
            throw http::HttpError(400, "invalid_field", where + ".listing_id must be a listing's UUID, got '" + item.listing_id + "'");
        }
        if (item.quantity < 1) {
            throw http::HttpError(400, "invalid_field", where + ".quantity must be at least 1, got " + std::to_string(item.quantity));
        }
        if (item.unit_price_cents < 0) {
            throw http::HttpError(400, "invalid_field", where + ".unit_price_cents must be >= 0 (integer cents)");
        }
        placed.items.push_back(std::move(item));
    }
    placed.customer_note = http::optional_string(body, "customer_note");
    placed.total_cents = store::total_cents(placed.items);
    return placed;
}

// How many orders are PENDING, refreshed by a background loop (one count per interval, not
// one per request).
struct PendingGauge {
    std::atomic<int64_t> pending{0};
    int64_t max = 0;
};

http::Response place_order(ServiceRuntime& runtime, const saga::SagaCoordinator& coordinator,
                           const PendingGauge& gauge, const http::Request& request) {
    if (gauge.max > 0 && gauge.pending.load() >= gauge.max) {
        auto response = http::Response::error(
            429, "overloaded",
            std::to_string(gauge.pending.load()) + " orders are still pending (limit " + std::to_string(gauge.max) +
                "); retry after the Retry-After seconds");
        response.headers.emplace_back("Retry-After", "1");
        return response;
    }
    const auto placed = read_order_request(request);
    const PlaceOrderData data{placed, {}, std::nullopt};
    return service::in_transaction(runtime.pool(), [&](pg::Transaction& tx) {
        service::http_check(exec(tx,
                                 "INSERT INTO store_order (id, customer_id, status, placed, total_cents) "
                                 "VALUES ($1::uuid, $2, 'PENDING', $3::jsonb, $4)",
                                 {placed.order_id, placed.customer_id, placed.to_json(), placed.total_cents}));
        service::http_check(runtime.outbox().enqueue(
            tx, service::make_message(kEvents, store::OrderPlaced::kType, runtime.source(), placed.order_id,
                                      placed.to_json())));
        service::http_check(coordinator.start(tx, kSagaType, placed.order_id, data.to_json()));
        http::JsonWriter w;
        w.begin_object().key("id").string(placed.order_id).key("status").string("PENDING").end_object();
        auto response = http::Response::json(202, w.str());
        response.headers.emplace_back("Location", "/orders/" + placed.order_id);
        return response;
    });
}

http::Response get_order(ServiceRuntime& runtime, const http::Request& request) {
    const auto& id = request.params.at("id");
    if (!service::is_uuid(id)) throw http::HttpError(404, "not_found", "no order with id '" + id + "'");
    auto c = runtime.pool().acquire(std::chrono::seconds(5));
    auto rows = service::http_value(c->try_exec(
        "SELECT customer_id, status, reason_code, reason_message, placed->'items', total_cents, "
        "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
        "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
        "FROM store_order WHERE id = $1::uuid",
        {id}));
    if (rows.empty()) throw http::HttpError(404, "not_found", "no order with id '" + id + "'");
    rapidjson::Document items;
    items.Parse(rows.get<std::string>(0, 4).c_str());
    http::JsonWriter w;
    w.begin_object()
        .key("id").string(id)
        .key("customer_id").string(rows.get<std::string>(0, 0))
        .key("status").string(rows.get<std::string>(0, 1));
    if (auto code = rows.get_optional<std::string>(0, 2)) {
        w.key("reason").begin_object().key("code").string(*code).key("message").string(
            rows.get_optional<std::string>(0, 3).value_or("")).end_object();
    }
    w.key("items").value(items).key("total_cents").integer(rows.get<int64_t>(0, 5));
    w.key("created_at").string(rows.get<std::string>(0, 6)).key("updated_at").string(rows.get<std::string>(0, 7));
    auto detail = service::http_value(saga::show_instance(*c, id));
    w.key("saga").begin_array();
    if (detail) {
        for (const auto& h : detail->history) {
            w.begin_object()
                .key("at").string(ce::format_time(h.at))
                .key("step").integer(h.step)
                .key("from").string(h.from ? std::string(saga::to_string(*h.from)) : std::string())
                .key("to").string(std::string(saga::to_string(h.to)))
                .key("detail").string(h.detail)
                .end_object();
        }
    }
    w.end_array().end_object();
    return http::Response::json(200, w.str());
}

struct OrderService {
    saga::SagaCoordinator coordinator;
    std::unique_ptr<saga::TimeoutSweeper> sweeper;
    PendingGauge gauge;
};

// ---- metrics (docs/metrics.md) ---------------------------------------------------------------

constexpr std::string_view kSagaDuration = "courier_saga_duration_seconds";
constexpr std::string_view kSagaDurationHelp = "Seconds from a saga's start to its final status.";
constexpr std::string_view kCompensations = "courier_saga_compensations_total";
constexpr std::string_view kCompensationsHelp = "Saga instances that began compensating.";
constexpr std::string_view kTimeouts = "courier_saga_timeouts_total";
constexpr std::string_view kTimeoutsHelp =
    "Saga deadlines that passed, by the step whose command or compensation timed out.";
// An order takes well under a second; a step timeout (30 s by default) or an outage takes longer.
constexpr std::array<double, 14> kSagaBuckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600};
constexpr std::array<const char*, 4> kOrderStatuses{"PENDING", "CONFIRMED", "CANCELLED", "FAILED"};

// Saga events become samples; called after the transaction that made the change committed.
saga::SagaObserver saga_metrics(http::Metrics& metrics) {
    return [&metrics](const saga::SagaEvent& e) {
        switch (e.kind) {
            case saga::SagaEvent::Kind::compensation_started:
                metrics.counter_add(kCompensations, kCompensationsHelp, {{"saga", e.saga}});
                return;
            case saga::SagaEvent::Kind::timed_out:
                metrics.counter_add(kTimeouts, kTimeoutsHelp, {{"saga", e.saga}, {"step", e.step}});
                return;
            case saga::SagaEvent::Kind::finished:
                metrics.histogram_observe(
                    kSagaDuration, kSagaDurationHelp,
                    {{"saga", e.saga}, {"status", std::string(saga::to_string(e.status))}}, e.elapsed.count(),
                    kSagaBuckets);
                return;
        }
    };
}

// Declares the saga and order families, with a zero series wherever the labels are known, and the
// gauges read from the database at scrape time (each query bounded by the pool's 1 s wait).
void register_metrics(ServiceRuntime& runtime, const saga::SagaDefinition& definition) {
    auto& metrics = runtime.metrics();
    const std::string saga = definition.type;
    std::vector<std::string> steps;
    for (const auto& step : definition.steps) steps.push_back(step.name);

    metrics.declare(kSagaDuration, kSagaDurationHelp, http::MetricType::histogram, kSagaBuckets);
    metrics.counter_add(kCompensations, kCompensationsHelp, {{"saga", saga}}, 0);
    for (const auto& step : steps)
        metrics.counter_add(kTimeouts, kTimeoutsHelp, {{"saga", saga}, {"step", step}}, 0);

    metrics.gauge_callback(
        "courier_saga_instances", "Saga instances by type, status and the step they are at (or ended at).",
        [&runtime, saga, steps] {
            auto c = runtime.pool().acquire(std::chrono::seconds(1));
            auto rows = c->exec(
                "SELECT status, step, count(*) FROM courier_saga_instance WHERE type = $1 GROUP BY status, "
                "step",
                {saga});
            http::Samples out;
            for (int r = 0; r < rows.size(); ++r) {
                const auto step = rows.get<int>(r, 1);
                const bool known = step >= 0 && static_cast<std::size_t>(step) < steps.size();
                out.push_back(
                    {{{"saga", saga},
                      {"status", rows.get<std::string>(r, 0)},
                      {"step", known ? steps[static_cast<std::size_t>(step)] : std::to_string(step)}},
                     static_cast<double>(rows.get<int64_t>(r, 2))});
            }
            return out;
        });
    metrics.gauge_callback(
        "courier_saga_oldest_active_age_seconds",
        "Age of the oldest running or compensating saga instance (0 if none).", [&runtime, saga] {
            auto c = runtime.pool().acquire(std::chrono::seconds(1));
            auto rows = c->exec(
                "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(created_at))::float8, 0) FROM "
                "courier_saga_instance "
                "WHERE type = $1 AND status IN ('running', 'compensating')",
                {saga});
            return http::Samples{{{{"saga", saga}}, std::max(0.0, rows.get<double>(0, 0))}};
        });
    metrics.gauge_callback("store_orders", "Orders by status.", [&runtime] {
        auto c = runtime.pool().acquire(std::chrono::seconds(1));
        auto rows = c->exec("SELECT status, count(*) FROM store_order GROUP BY status");
        std::map<std::string, double> counts;
        for (const char* status : kOrderStatuses) counts[status] = 0;
        for (int r = 0; r < rows.size(); ++r) {
            counts[rows.get<std::string>(r, 0)] = static_cast<double>(rows.get<int64_t>(r, 1));
        }
        http::Samples out;
        for (const auto& [status, count] : counts) out.push_back({{{"status", status}}, count});
        return out;
    });
}

}  // namespace

saga::SagaDefinition place_order_saga(const OrderServiceOptions& options) {
    saga::SagaStep listing;
    listing.name = "confirm-listing";
    listing.invoke = saga::typed_invoke<PlaceOrderData>(codec(), [](const PlaceOrderData& d) {
        return command(kListingCommands, store::ConfirmListing::kType, d,
                       store::ConfirmListing{d.placed.order_id, d.placed.items}.to_json());
    });
    listing.success_replies = {std::string(store::ListingConfirmed::kType)};
    listing.failure_replies = {std::string(store::ListingRejected::kType)};
    listing.timeout = options.step_timeout;
    listing.on_success = saga::typed_update<PlaceOrderData>(
        codec(), [](PlaceOrderData d, const std::string& reply) -> Result<PlaceOrderData> {
            auto confirmed = store::ListingConfirmed::from_json(reply);
            if (!confirmed) return std::move(confirmed).error();
            d.lines = std::move(confirmed->items);
            return d;
        });
    listing.on_failure = keep_reason<store::ListingRejected>();
    listing.compensate = saga::typed_compensate<PlaceOrderData>(codec(), [](const PlaceOrderData& d) -> std::optional<saga::Command> {
        return command(kListingCommands, store::ReleaseListing::kType, d,
                       store::ReleaseListing{d.placed.order_id, d.lines_or_items()}.to_json());
    });
    listing.compensation_replies = {std::string(store::ListingReleased::kType)};
    listing.compensation_timeout = options.compensation_timeout;

    saga::SagaStep stock;
    stock.name = "reserve-stock";
    stock.invoke = saga::typed_invoke<PlaceOrderData>(codec(), [](const PlaceOrderData& d) {
        return command(kProductCommands, store::ReserveStock::kType, d,
                       store::ReserveStock{d.placed.order_id, d.lines}.to_json());
    });
    stock.success_replies = {std::string(store::StockReserved::kType)};
    stock.failure_replies = {std::string(store::StockRejected::kType)};
    stock.timeout = options.step_timeout;
    stock.on_failure = keep_reason<store::StockRejected>();
    stock.compensate = saga::typed_compensate<PlaceOrderData>(codec(), [](const PlaceOrderData& d) -> std::optional<saga::Command> {
        return command(kProductCommands, store::ReleaseStock::kType, d,
                       store::ReleaseStock{d.placed.order_id, d.lines_or_items()}.to_json());
    });
    stock.compensation_replies = {std::string(store::StockReleased::kType)};
    stock.compensation_timeout = options.compensation_timeout;

    saga::SagaDefinition definition{kSagaType, {listing, stock}};
    // Participants answer every compensation; only an outage outlasting all attempts gives up.
    definition.max_compensation_attempts = 10;
    return definition;
}

std::shared_ptr<void> install(ServiceRuntime& runtime, const OrderServiceOptions& options) {
    runtime.migrate("courier.saga", saga::migrations());
    runtime.migrate("store.order", migrations());
    runtime.ensure_topics({kEvents, kListingCommands, kListingReplies, kProductCommands, kProductReplies});

    auto service = std::make_shared<OrderService>(saga::SagaCoordinator(
        saga::SagaCoordinatorOptions{runtime.source(), saga_metrics(runtime.metrics())}, runtime.outbox()));
    service->gauge.max = options.max_pending;
    auto definition = place_order_saga(options);
    definition.on_finished = [&runtime](pg::Transaction& tx, const saga::Finished& f) {
        return finish_order(runtime, runtime.outbox(), tx, f);
    };
    register_metrics(runtime, definition);
    service->coordinator.add(std::move(definition));
    service->sweeper = std::make_unique<saga::TimeoutSweeper>(
        saga::TimeoutSweeperOptions{runtime.options().database, std::chrono::milliseconds(250)}, service->coordinator);

    const auto* coordinator = &service->coordinator;
    auto& h = runtime.http();
    const auto* gauge = &service->gauge;
    h.add("POST", "/orders", [&runtime, coordinator, gauge](const http::Request& r) {
        return place_order(runtime, *coordinator, *gauge, r);
    });
    h.add("GET", "/orders/{id}", [&runtime](const http::Request& r) { return get_order(runtime, r); });

    auto& router = runtime.consumer();
    for (const auto* topic : {kListingReplies, kProductReplies}) {
        router.handle(std::string("saga-replies:") + topic, topic, "*", runtime.exactly_once(coordinator->reply_handler()));
    }
    auto* pending = &service->gauge.pending;
    runtime.add_background("pending-orders", [&runtime, pending](std::stop_token stop) {
        while (!stop.stop_requested()) {
            if (auto c = runtime.pool().try_acquire(std::chrono::seconds(1))) {
                if (auto rows = (*c)->try_exec("SELECT count(*) FROM store_order WHERE status = 'PENDING'")) {
                    pending->store(rows->get<int64_t>(0, 0));
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
    auto* sweeper = service->sweeper.get();
    runtime.add_background("saga-timeouts", [sweeper](std::stop_token stop) { sweeper->run(stop); });

    return service;
}

}  // namespace courier::order
