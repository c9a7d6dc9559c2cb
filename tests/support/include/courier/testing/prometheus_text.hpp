#pragma once
// Reading samples back from a Prometheus text exposition (format 0.0.4), as a scraper would.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courier::testing {

/// The sum of the values of the samples named `name` whose labels include every pair of
/// `labels` (other labels may be present): e.g. name "courier_consumer_messages_total" with
/// {{"outcome", "skipped"}, {"topic", "t"}} adds the samples of every ce_type. 0 when none
/// matches. Comment lines are ignored; label values are compared unescaped.
double sample_sum(std::string_view exposition, std::string_view name,
                  const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace courier::testing
