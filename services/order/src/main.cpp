// courier-order: the order service process, host of the PlaceOrder saga (DESIGN.md §10).
#include "courier/order/order_service.hpp"

int main(int argc, char** argv) {
    using namespace courier;
    return service::run_service_main(
        argc, argv,
        service::ServiceMain{
            "order", order::kDefaultPort,
            "The store's order service: takes orders and runs the PlaceOrder saga over Kafka.",
            {{"step-timeout", "COURIER_SAGA_STEP_TIMEOUT", "30s", "how long a saga step waits for its reply"},
             {"compensation-timeout", "COURIER_SAGA_COMPENSATION_TIMEOUT", "30s",
              "how long a compensation waits for its reply before it is sent again"},
             {"max-pending", "COURIER_MAX_PENDING_ORDERS", "5000",
              "POST /orders answers 429 while this many orders are pending (0: no limit)"}},
            {},
            [](const service::Settings& settings, service::ServiceRuntime& runtime, std::shared_ptr<void>& keep)
                -> std::optional<int> {
                order::OrderServiceOptions options;
                options.step_timeout = settings.get_millis("step-timeout");
                options.compensation_timeout = settings.get_millis("compensation-timeout");
                options.max_pending = settings.get_int("max-pending");
                keep = order::install(runtime, options);
                return std::nullopt;
            }});
}
