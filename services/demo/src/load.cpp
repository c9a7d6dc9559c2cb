#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>
#include <unordered_map>

#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/core/errors.hpp"
#include "courier/core/properties.hpp"
#include "courier/demo/store_demo.hpp"
#include "store_client.hpp"

namespace courier::demo {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string_view to_string(OrderKind kind) noexcept {
    switch (kind) {
        case OrderKind::regular: return "regular";
        case OrderKind::out_of_stock: return "out_of_stock";
        case OrderKind::delisted: return "delisted";
        case OrderKind::wrong_price: return "wrong_price";
    }
    return "?";
}

std::string expected_outcome(OrderKind kind) {
    switch (kind) {
        case OrderKind::regular: return "CONFIRMED";
        case OrderKind::out_of_stock: return "CANCELLED:insufficient_stock";
        case OrderKind::delisted: return "CANCELLED:listing_inactive";
        case OrderKind::wrong_price: return "CANCELLED:price_changed";
    }
    return "?";
}

namespace {

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(rank, values.size() - 1)];
}

// Outcomes as store.order.events tells them, by order id.
class OutcomeListener {
public:
    explicit OutcomeListener(const std::string& bootstrap) {
        Properties p;
        p.set("bootstrap.servers", bootstrap);
        reader_ = std::make_unique<broker::kafka::KafkaSubscriber>(broker::kafka::KafkaSubscriberOptions{p, "", "latest"});
        std::vector<broker::TopicPartition> partitions;
        for (auto id : reader_->partitions_of("store.order.events", 30s)) partitions.push_back({"store.order.events", id});
        if (partitions.empty()) {
            throw CourierError(ErrorKind::permanent, "topic store.order.events has no partitions",
                               "is the order service running against this broker?");
        }
        // From the end as it is now: outcomes of orders placed from here on.
        reader_->assign(partitions, broker::kafka::StartPosition::end(), 30s);
        thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
    }
    ~OutcomeListener() {
        thread_.request_stop();
        if (thread_.joinable()) thread_.join();
    }
    std::optional<std::pair<std::string, Clock::time_point>> outcome(const std::string& id) {
        std::lock_guard lock(mutex_);
        auto it = outcomes_.find(id);
        if (it == outcomes_.end()) return std::nullopt;
        return it->second;
    }

private:
    void run(std::stop_token stop) {
        while (!stop.stop_requested()) {
            auto batch = reader_->poll(500, 100ms);
            if (!batch) continue;
            const auto now = Clock::now();
            for (const auto& m : *batch) {
                const auto type = m.headers.get("ce_type");
                if (!type) continue;
                const bool confirmed = *type == "store.order.confirmed.v1";
                if (!confirmed && *type != "store.order.cancelled.v1") continue;
                rapidjson::Document doc;
                doc.Parse(m.payload.data(), m.payload.size());
                if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("order_id")) continue;
                std::string outcome = "CONFIRMED";
                if (!confirmed) {
                    outcome = "CANCELLED:";
                    if (doc.HasMember("reason") && doc["reason"].IsObject() && doc["reason"].HasMember("code")) {
                        outcome += doc["reason"]["code"].GetString();
                    }
                }
                std::lock_guard lock(mutex_);
                outcomes_.emplace(doc["order_id"].GetString(), std::make_pair(outcome, now));
            }
        }
    }

    std::unique_ptr<broker::kafka::KafkaSubscriber> reader_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::pair<std::string, Clock::time_point>> outcomes_;
    std::jthread thread_;
};

// Which catalog items an order of `kind` takes (index, quantity).
std::vector<std::pair<std::size_t, int64_t>> choose_items(const Catalog& catalog, OrderKind kind, std::mt19937_64& rng) {
    std::vector<std::size_t> regular, scarce, inactive;
    for (std::size_t i = 0; i < catalog.items.size(); ++i) {
        const auto& item = catalog.items[i];
        (item.scarce ? scarce : !item.active ? inactive : regular).push_back(i);
    }
    auto pick = [&](const std::vector<std::size_t>& from) {
        return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
    };
    std::vector<std::pair<std::size_t, int64_t>> items;
    switch (kind) {
        case OrderKind::regular:
        case OrderKind::wrong_price: {
            const auto count = std::uniform_int_distribution<int>(1, 3)(rng);
            for (int i = 0; i < count; ++i) {
                const auto index = pick(regular);
                if (std::none_of(items.begin(), items.end(), [&](auto& it) { return it.first == index; })) {
                    items.emplace_back(index, std::uniform_int_distribution<int64_t>(1, 3)(rng));
                }
            }
            break;
        }
        case OrderKind::out_of_stock:
            items.emplace_back(pick(regular), 1);
            items.emplace_back(pick(scarce), 50);  // more than the warehouse has, less than listed
            break;
        case OrderKind::delisted:
            items.emplace_back(pick(inactive), 1);
            break;
    }
    return items;
}

std::string order_body(const Catalog& catalog, const OrderRecord& order, const std::string& customer) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("customer_id"), w.String(customer.c_str());
    w.Key("items"), w.StartArray();
    for (std::size_t i = 0; i < order.items.size(); ++i) {
        const auto& [index, quantity] = order.items[i];
        const auto& item = catalog.items[index];
        auto price = item.price_cents;
        if (order.kind == OrderKind::wrong_price && i == 0) price -= 1;  // a stale quote
        w.StartObject();
        w.Key("listing_id"), w.String(item.listing_id.c_str());
        w.Key("quantity"), w.Int64(quantity);
        w.Key("unit_price_cents"), w.Int64(price);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return b.GetString();
}

}  // namespace

LoadReport run_load(const StoreEndpoints& store, const Catalog& catalog, const LoadOptions& options) {
    if (options.rate <= 0) throw ConfigError("the order rate must be positive");
    OutcomeListener listener(options.bootstrap);
    const auto planned = options.max_orders > 0
                             ? options.max_orders
                             : static_cast<std::size_t>(options.rate * std::chrono::duration<double>(options.duration).count());
    LoadReport report;
    report.orders.resize(planned);
    std::vector<bool> accepted(planned, false);
    std::mutex mutex;
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> placed{0};
    const auto start = Clock::now();
    const auto interval = std::chrono::duration<double>(1.0 / options.rate);

    auto worker = [&](int worker_id) {
        auto client = client_for(store.order);
        for (;;) {
            const auto i = next.fetch_add(1);
            if (i >= planned || (options.stop != nullptr && options.stop->load())) return;
            std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i)));
            std::mt19937_64 rng(options.seed * 1000003 + i);
            OrderRecord order;
            const double u = std::uniform_real_distribution<double>(0, 1)(rng);
            if (u < options.failure_share) {
                order.kind = static_cast<OrderKind>(1 + std::uniform_int_distribution<int>(0, 2)(rng));
            }
            order.items = choose_items(catalog, order.kind, rng);
            const auto body = order_body(catalog, order, "customer-" + std::to_string(i % 97));
            order.placed_at = Clock::now();
            try {
                const auto response = client.post("/orders", body);
                rapidjson::Document doc;
                doc.Parse(response.body.data(), response.body.size());
                if (response.status != 202 || doc.HasParseError() || !doc.HasMember("id")) {
                    std::lock_guard lock(mutex);
                    ++report.http_failures;
                    if (report.http_errors.size() < 5) {
                        report.http_errors.push_back("POST /orders → " + std::to_string(response.status) + " " + response.body);
                    }
                    continue;
                }
                order.id = doc["id"].GetString();
            } catch (const CourierError& e) {
                std::lock_guard lock(mutex);
                ++report.http_failures;
                if (report.http_errors.size() < 5) report.http_errors.push_back(std::string("worker ") + std::to_string(worker_id) + ": " + e.what());
                continue;
            }
            std::lock_guard lock(mutex);
            report.orders[i] = std::move(order);
            accepted[i] = true;
            placed.fetch_add(1);
        }
    };

    // Outcomes so far: counts and latencies (also feeds the progress line).
    auto tally = [&](bool final) {
        std::lock_guard lock(mutex);
        std::size_t confirmed = 0, cancelled = 0;
        std::vector<double> latencies;
        for (std::size_t i = 0; i < planned; ++i) {
            if (!accepted[i]) continue;
            auto& o = report.orders[i];
            if (!o.outcome) {
                if (auto got = listener.outcome(o.id)) {
                    o.outcome = got->first;
                    o.latency_ms = std::chrono::duration<double, std::milli>(got->second - o.placed_at).count();
                }
            }
            if (!o.outcome) continue;
            latencies.push_back(o.latency_ms);
            (o.outcome == "CONFIRMED" ? confirmed : cancelled)++;
        }
        if (final) {
            report.confirmed = confirmed;
            report.cancelled = cancelled;
            report.p50_ms = percentile(latencies, 0.50);
            report.p99_ms = percentile(latencies, 0.99);
            report.max_ms = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
        }
        return std::tuple{confirmed, cancelled, percentile(latencies, 0.5), percentile(latencies, 0.99)};
    };
    auto progress = [&](const char* phase) {
        if (options.progress == nullptr) return;
        const auto [confirmed, cancelled, p50, p99] = tally(false);
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        char line[256];
        std::snprintf(line, sizeof line,
                      "\r%-8s %6.1fs  placed %6zu  confirmed %6zu  cancelled %6zu  pending %5zu  %6.1f orders/s  "
                      "p50 %6.1f ms  p99 %6.1f ms ",
                      phase, elapsed, placed.load(), confirmed, cancelled, placed.load() - confirmed - cancelled,
                      elapsed > 0 ? static_cast<double>(placed.load()) / elapsed : 0.0, p50, p99);
        *options.progress << line << std::flush;
    };

    {
        std::vector<std::jthread> workers;
        for (int w = 0; w < std::max(1, options.workers); ++w) workers.emplace_back(worker, w);
        while (next.load() < planned && !(options.stop != nullptr && options.stop->load())) {
            std::this_thread::sleep_for(250ms);
            progress("placing");
        }
    }  // joins the workers
    report.placing_seconds = std::chrono::duration<double>(Clock::now() - start).count();

    const auto settle_deadline = Clock::now() + options.settle_timeout;
    for (;;) {
        const auto [confirmed, cancelled, p50, p99] = tally(false);
        progress("settling");
        if (confirmed + cancelled >= placed.load() || Clock::now() > settle_deadline) break;
        std::this_thread::sleep_for(100ms);
    }
    tally(true);
    if (options.progress != nullptr) *options.progress << "\n";
    report.total_seconds = std::chrono::duration<double>(Clock::now() - start).count();

    std::vector<OrderRecord> kept;
    Clock::time_point last_outcome = start;
    for (std::size_t i = 0; i < planned; ++i) {
        if (!accepted[i]) continue;
        auto& o = report.orders[i];
        if (!o.outcome) {
            ++report.unfinished;
        } else {
            last_outcome = std::max(last_outcome, o.placed_at + std::chrono::duration_cast<Clock::duration>(
                                                                    std::chrono::duration<double, std::milli>(o.latency_ms)));
            if (*o.outcome != expected_outcome(o.kind)) ++report.unexpected_outcomes;
            if (o.outcome->rfind("CANCELLED:", 0) == 0) ++report.cancel_reasons[o.outcome->substr(10)];
        }
        kept.push_back(std::move(o));
    }
    report.orders = std::move(kept);
    report.placed = report.orders.size();
    report.placed_per_second = report.placing_seconds > 0 ? static_cast<double>(report.placed) / report.placing_seconds : 0;
    const double busy = std::chrono::duration<double>(last_outcome - start).count();
    report.completed_per_second = busy > 0 ? static_cast<double>(report.confirmed + report.cancelled) / busy : 0;
    return report;
}

}  // namespace courier::demo
