// What schema validation costs: courier's validation and typed decoding of a typical order payload,
// each beside RapidJSON parsing the same bytes with the same flags and doing nothing else, in the same
// process. Prints every run and a table of medians with the ratio courier / baseline.
//
//   schema_bench [--runs 5] [--iterations 200000] [--items 3]

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "courier/schemas/schema_catalog.hpp"
#include "courier/schemas/store/order_events.hpp"

namespace {

using Seconds = std::chrono::duration<double>;
using courier::bench::median;
using courier::schemas::SchemaCatalog;
using courier::schemas::store::OrderItem;
using courier::schemas::store::OrderPlaced;

struct Settings {
    int runs = 5;
    long iterations = 200000;
    int items = 3;
};

// The same flags courier parses with: iterative (no recursion) and UTF-8 validation.
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

std::string order_payload(int items) {
    OrderPlaced order;
    order.order_id = "2b9a3c1e-5d47-4f0a-9c61-7e8d2f4a6b10";
    order.customer_id = "customer-42";
    const char* listings[] = {"7f3e9a2b-1c4d-4e5f-8a6b-9c0d1e2f3a4b", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                              "e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7"};
    for (int i = 0; i < items; ++i) order.items.push_back(OrderItem{listings[i % 3], i + 1, 1999 + i * 100});
    order.total_cents = courier::schemas::store::total_cents(order.items);
    return order.to_json();
}

// Calls `once` `iterations` times; returns calls per second. Every call must succeed.
double rate(long iterations, const std::function<bool()>& once) {
    long ok = 0;
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i) ok += once() ? 1 : 0;
    double elapsed = Seconds(std::chrono::steady_clock::now() - start).count();
    if (ok != iterations) {
        std::fprintf(stderr, "schema_bench: %ld of %ld calls failed\n", iterations - ok, iterations);
        std::exit(1);
    }
    return static_cast<double>(iterations) / elapsed;
}

struct Figure {
    const char* name;
    const char* result;  // the figure's name in the RESULT line
    std::function<bool()> courier;
    std::function<bool()> baseline;
    std::vector<double> courier_rates;
    std::vector<double> baseline_rates;
};

std::string thousands(double value) {
    auto text = std::to_string(static_cast<long long>(value));
    for (int at = static_cast<int>(text.size()) - 3; at > 0; at -= 3)
        text.insert(static_cast<std::size_t>(at), ",");
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--runs") {
            s.runs = std::atoi(argv[i + 1]);
        } else if (flag == "--iterations") {
            s.iterations = std::atol(argv[i + 1]);
        } else if (flag == "--items") {
            s.items = std::atoi(argv[i + 1]);
        } else {
            std::fprintf(stderr, "unknown flag %s\nusage: %s [--runs R] [--iterations N] [--items 1..100]\n",
                         argv[i], argv[0]);
            return 2;
        }
    }
    if (s.runs < 1 || s.iterations < 1 || s.items < 1 || s.items > 100 || (argc - 1) % 2 != 0) {
        std::fprintf(stderr, "usage: %s [--runs R>=1] [--iterations N>=1] [--items 1..100]\n", argv[0]);
        return 2;
    }
    const auto& catalog = SchemaCatalog::embedded();
    const std::string type(OrderPlaced::kTypeV1);
    const std::string payload = order_payload(s.items);
    if (!catalog.validate(type, payload)) {
        std::fprintf(stderr, "schema_bench: the benchmark payload is invalid\n");
        return 1;
    }

    std::vector<Figure> figures;
    figures.push_back({"validate vs SAX parse (msg/s)",
                       "schema validate (vs RapidJSON SAX parse)",
                       [&] { return catalog.validate(type, payload).has_value(); },
                       [&] {
                           rapidjson::BaseReaderHandler<> ignore;
                           rapidjson::MemoryStream stream(payload.data(), payload.size());
                           rapidjson::Reader reader;
                           return !reader.Parse<kFlags>(stream, ignore).IsError();
                       },
                       {},
                       {}});
    figures.push_back({"from_json vs DOM parse (msg/s)",
                       "typed from_json (vs RapidJSON DOM parse)",
                       [&] { return OrderPlaced::from_json(payload, OrderPlaced::kTypeV1).has_value(); },
                       [&] {
                           rapidjson::Document document;
                           document.Parse<kFlags>(payload.data(), payload.size());
                           return !document.HasParseError() && document.IsObject();
                       },
                       {},
                       {}});

    std::printf("schema_bench: %s, %d item(s), %zu bytes; %d runs of %ld calls each\n", type.c_str(), s.items,
                payload.size(), s.runs, s.iterations);
    for (int run = 0; run < s.runs; ++run) {
        for (auto& f : figures) {
            // Alternate the order so neither side always runs on a warmer cache.
            if (run % 2 == 0) {
                f.courier_rates.push_back(rate(s.iterations, f.courier));
                f.baseline_rates.push_back(rate(s.iterations, f.baseline));
            } else {
                f.baseline_rates.push_back(rate(s.iterations, f.baseline));
                f.courier_rates.push_back(rate(s.iterations, f.courier));
            }
            std::printf("  run %d  %-32s courier %12s  baseline %12s\n", run + 1, f.name,
                        thousands(f.courier_rates.back()).c_str(),
                        thousands(f.baseline_rates.back()).c_str());
        }
    }
    std::printf("\n%-32s %14s %14s %7s\n", "figure (median)", "courier", "baseline", "ratio");
    for (const auto& f : figures) {
        double c = median(f.courier_rates), b = median(f.baseline_rates);
        std::printf("%-32s %14s %14s %7.2f\n", f.name, thousands(c).c_str(), thousands(b).c_str(), c / b);
    }
    for (const auto& f : figures) {
        courier::bench::print_result(f.result, "msg/s", median(f.courier_rates), median(f.baseline_rates),
                                     s.runs);
    }
    return 0;
}
