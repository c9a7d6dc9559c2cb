#include "courier/consumers/middleware/inbox.hpp"

#include <algorithm>

namespace courier::consumers::middleware {

Middleware inbox(pg::ConnectionPool& pool, const InboxStore& store, pg::IsolationLevel isolation) {
    return [&pool, &store, isolation](Handler next) -> Handler {
        return [&pool, &store, isolation, next = std::move(next)](Context& context) -> Result<void> {
            auto lease = pool.try_acquire();
            if (!lease) return std::move(lease).error();
            auto transaction = pg::Transaction::try_begin(**lease, isolation);
            if (!transaction) return std::move(transaction).error();
            if (context.deadline) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*context.deadline -
                                                                                  std::chrono::steady_clock::now());
                auto set = transaction->try_exec("SELECT set_config('statement_timeout', $1, true)",
                                                 {std::to_string(std::max<int64_t>(1, left.count()))});
                if (!set) return std::move(set).error();
            }
            auto fresh = store.claim(*transaction, context.message, context.event.id);
            if (!fresh) return std::move(fresh).error();
            if (!*fresh) return {};  // already applied by this group: acknowledge, change nothing
            context.transaction = &*transaction;
            auto handled = next(context);
            context.transaction = nullptr;
            if (!handled) return handled;  // the transaction rolls back as it goes out of scope
            return transaction->try_commit();
        };
    };
}

}  // namespace courier::consumers::middleware
