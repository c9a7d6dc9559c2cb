#pragma once

#include "courier/consumers/context.hpp"
#include "courier/consumers/inbox_store.hpp"
#include "courier/pg/connection_pool.hpp"

namespace courier::consumers::middleware {

/// Exactly-once effects in PostgreSQL: opens a transaction on a pooled connection, claims the
/// message's ce_id in the inbox, runs the handler with Context::transaction set, and commits.
/// A duplicate is acknowledged without running the handler. Any handler error, or a failed
/// commit, rolls everything back (nothing applied, nothing marked). Database errors keep their
/// kind (connection loss, 40001, 40P01 are transient, so the router retries with backoff).
/// With Context::deadline set, the remaining time becomes the transaction's statement_timeout.
/// `pool` and `store` must outlive the router.
Middleware inbox(pg::ConnectionPool& pool, const InboxStore& store,
                 pg::IsolationLevel isolation = pg::IsolationLevel::read_committed);

}  // namespace courier::consumers::middleware
