#include "relay_sql.hpp"

#include "courier/outbox/outbox_relay.hpp"

namespace courier::outbox {

std::string_view OutboxRelay::fetch_sql() noexcept { return detail::kFetchSql; }
std::string_view OutboxRelay::delete_sql() noexcept { return detail::kDeleteSql; }

}  // namespace courier::outbox
