// courier-listing: the listing service process (DESIGN.md §10); `--rebuild` rebuilds the
// product availability projection from the product events topic and exits.
#include <iostream>

#include "courier/listing/listing_service.hpp"

int main(int argc, char** argv) {
    using namespace courier;
    return service::run_service_main(
        argc, argv,
        service::ServiceMain{
            "listing", listing::kDefaultPort,
            "The store's listing service: listings, order confirmation, and the projection of product\n"
            "availability. With --rebuild: rebuild that projection from store.product.events (while the\n"
            "service runs or not), print what changed, and exit.",
            {},
            {"rebuild"},
            [](const service::Settings& settings, service::ServiceRuntime& runtime, std::shared_ptr<void>&)
                -> std::optional<int> {
                if (settings.has_switch("rebuild")) {
                    runtime.migrate("store.listing", listing::migrations());
                    const auto report = listing::rebuild_projection(runtime.options().database, runtime.options().kafka);
                    std::cout << "rebuilt product availability: " << report.events << " events read, "
                              << report.products << " products, " << report.changed
                              << " rows differed from the live projection, " << report.took.count() << " ms\n";
                    return 0;
                }
                listing::install(runtime);
                return std::nullopt;
            }});
}
