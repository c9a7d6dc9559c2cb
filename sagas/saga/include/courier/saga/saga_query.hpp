#pragma once
// Reading instances and their history, for tools (`courier saga list|show`) and dashboards.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "courier/core/result.hpp"
#include "courier/pg/connection.hpp"
#include "courier/saga/saga_status.hpp"

namespace courier::saga {

using TimePoint = std::chrono::system_clock::time_point;

/// One instance without its data and history.
struct InstanceSummary {
    std::string id;
    std::string type;
    SagaStatus status = SagaStatus::running;
    int step = 0;
    int attempt = 1;      ///< attempt of the current compensation (1 while running)
    int64_t version = 0;  ///< bumped by every transition
    std::string reason;   ///< why it compensates or needs attention; "" otherwise
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> deadline;  ///< when it times out; none when it waits for nothing
};

/// One transition (or an ignored reply, with from == to), in the order they happened.
struct HistoryEntry {
    int64_t id = 0;
    TimePoint at{};
    std::optional<SagaStatus> from;  ///< none for the start
    SagaStatus to = SagaStatus::running;
    int step = 0;
    std::string message_id;  ///< ce_id of the reply that caused it; "" for start and timeouts
    std::string command_id;  ///< ce_id of the command it sent; "" when none
    std::string detail;
};

struct InstanceDetail {
    InstanceSummary summary;
    std::string data;  ///< JSON text
    std::vector<HistoryEntry> history;
};

struct ListFilter {
    std::optional<std::string> type;
    std::optional<SagaStatus> status;
    /// Only running or compensating instances whose last transition is older than this ("stuck").
    std::optional<std::chrono::milliseconds> stuck_for;
    /// "Now" for stuck_for (pass Clock::now()).
    TimePoint now = std::chrono::system_clock::now();
    std::size_t limit = 100;
};

/// Instances matching `filter`, most recently updated first. Blocks. Errors: the database's.
Result<std::vector<InstanceSummary>> list_instances(pg::Connection& connection, const ListFilter& filter);

/// One instance with its data and full history, or std::nullopt. Blocks. Errors: the database's.
Result<std::optional<InstanceDetail>> show_instance(pg::Connection& connection, const std::string& id);

}  // namespace courier::saga
