// courier-product: the product service process (DESIGN.md §10).
#include "courier/product/product_service.hpp"

int main(int argc, char** argv) {
    using namespace courier;
    return service::run_service_main(
        argc, argv,
        service::ServiceMain{"product", product::kDefaultPort,
                             "The store's product service: catalog and warehouse stock over Kafka.",
                             {},
                             {},
                             [](const service::Settings&, service::ServiceRuntime& runtime, std::shared_ptr<void>&)
                                 -> std::optional<int> {
                                 product::install(runtime);
                                 return std::nullopt;
                             }});
}
