#include "courier/saga/saga_query.hpp"

#include "courier/core/cloud_events.hpp"

namespace courier::saga {
namespace {

constexpr std::string_view kSummaryColumns =
    "id, type, status, step, attempt, version, COALESCE(reason, ''), "
    "(extract(epoch FROM created_at) * 1000)::bigint, (extract(epoch FROM updated_at) * 1000)::bigint, "
    "(extract(epoch FROM deadline) * 1000)::bigint";

TimePoint from_ms(int64_t ms) { return TimePoint{} + std::chrono::milliseconds(ms); }

SagaStatus status_of(std::string_view text) {
    return parse_status(text).value_or(SagaStatus::failed_needs_attention);
}

InstanceSummary read_summary(const pg::Rows& rows, int r) {
    InstanceSummary s;
    s.id = rows.get<std::string>(r, 0);
    s.type = rows.get<std::string>(r, 1);
    s.status = status_of(rows.get<std::string_view>(r, 2));
    s.step = rows.get<int>(r, 3);
    s.attempt = rows.get<int>(r, 4);
    s.version = rows.get<int64_t>(r, 5);
    s.reason = rows.get<std::string>(r, 6);
    s.created_at = from_ms(rows.get<int64_t>(r, 7));
    s.updated_at = from_ms(rows.get<int64_t>(r, 8));
    if (auto deadline = rows.get_optional<int64_t>(r, 9)) s.deadline = from_ms(*deadline);
    return s;
}

}  // namespace

Result<std::vector<InstanceSummary>> list_instances(pg::Connection& connection, const ListFilter& filter) {
    std::optional<std::string> stuck_before;
    if (filter.stuck_for) stuck_before = ce::format_time(filter.now - *filter.stuck_for);
    std::optional<std::string> status;
    if (filter.status) status = std::string(to_string(*filter.status));
    auto rows = connection.try_exec(
        std::string("SELECT ") + std::string(kSummaryColumns) +
            " FROM courier_saga_instance WHERE ($1::text IS NULL OR type = $1) AND ($2::text IS NULL OR "
            "status = $2)"
            " AND ($3::timestamptz IS NULL OR (status IN ('running', 'compensating') AND updated_at <= $3))"
            " ORDER BY updated_at DESC, id LIMIT $4",
        {filter.type, status, stuck_before, static_cast<int64_t>(filter.limit)});
    if (!rows) return std::move(rows).error();
    std::vector<InstanceSummary> out;
    out.reserve(static_cast<std::size_t>(rows->size()));
    for (int r = 0; r < rows->size(); ++r) out.push_back(read_summary(*rows, r));
    return out;
}

Result<std::optional<InstanceDetail>> show_instance(pg::Connection& connection, const std::string& id) {
    auto rows = connection.try_exec(std::string("SELECT ") + std::string(kSummaryColumns) +
                                        ", data::text FROM courier_saga_instance WHERE id = $1",
                                    {id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<InstanceDetail>{};
    InstanceDetail detail;
    detail.summary = read_summary(*rows, 0);
    detail.data = rows->get<std::string>(0, 10);
    auto history = connection.try_exec(
        "SELECT id, (extract(epoch FROM at) * 1000)::bigint, from_status, to_status, step, "
        "COALESCE(message_id, ''), "
        "COALESCE(command_id, ''), detail FROM courier_saga_history WHERE saga_id = $1 ORDER BY id",
        {id});
    if (!history) return std::move(history).error();
    for (int r = 0; r < history->size(); ++r) {
        HistoryEntry e;
        e.id = history->get<int64_t>(r, 0);
        e.at = from_ms(history->get<int64_t>(r, 1));
        if (auto from = history->get_optional<std::string>(r, 2)) e.from = status_of(*from);
        e.to = status_of(history->get<std::string_view>(r, 3));
        e.step = history->get<int>(r, 4);
        e.message_id = history->get<std::string>(r, 5);
        e.command_id = history->get<std::string>(r, 6);
        e.detail = history->get<std::string>(r, 7);
        detail.history.push_back(std::move(e));
    }
    return std::optional<InstanceDetail>(std::move(detail));
}

}  // namespace courier::saga
