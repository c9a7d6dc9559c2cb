#include "courier/pg/pipeline.hpp"

#include <spdlog/spdlog.h>

#include "libpq.hpp"

namespace courier::pg {

namespace {
// Queued to fail a batch on purpose, so that statements already sent never take effect.
constexpr const char* kAbortStatement =
    "DO $courier$BEGIN RAISE EXCEPTION 'courier: pipeline batch abandoned before sync'; END$courier$";
}  // namespace

Pipeline::Pipeline(Connection& connection) : connection_(&connection) {
    PGconn* conn = connection.native_handle();
    if (!connection.is_open()) throw DatabaseError(detail::connection_error(conn, "entering pipeline mode"));
    if (PQenterPipelineMode(conn) != 1) {
        throw DatabaseError(ErrorKind::permanent, "",
                            "cannot enter pipeline mode on " + connection.target() + ": " +
                                detail::tidy(PQerrorMessage(conn)) + " (is a statement still running?)");
    }
}

Pipeline::~Pipeline() {
    PGconn* conn = connection_->native_handle();
    if (conn == nullptr) return;
    if (queued_ > 0) {
        if (!send_failure_) {
            send_failure_ =
                Failure{Error::permanent("pg.client", "pipeline destroyed before sync()"), queued_};
        }
        try {
            if (auto drained = collect(nullptr); !drained) {
                spdlog::debug("pg: abandoned pipeline on {}: {}", connection_->target(),
                              drained.error().describe());
            }
        } catch (const std::exception& e) {
            spdlog::warn("pg: draining an abandoned pipeline on {} failed: {}", connection_->target(),
                         e.what());
        }
    }
    if (PQpipelineStatus(conn) != PQ_PIPELINE_OFF && PQexitPipelineMode(conn) != 1 &&
        PQstatus(conn) == CONNECTION_OK) {
        spdlog::warn("pg: cannot leave pipeline mode on {}: {}", connection_->target(),
                     detail::tidy(PQerrorMessage(conn)));
    }
}

void Pipeline::add(std::string_view sql, const Params& params) {
    const std::size_t index = queued_++;
    if (sql_.empty() || sql_.back().second != sql) sql_.emplace_back(index, std::string(sql));
    // After a statement could not be queued, the batch is lost anyway: do not send the rest.
    if (send_failure_) return;
    detail::ParamArrays arrays;
    if (auto assigned = arrays.assign(params); !assigned) {
        send_failure_ = Failure{std::move(assigned).error(), index};
        return;
    }
    PGconn* conn = connection_->native_handle();
    if (PQsendQueryParams(conn, sql_.back().second.c_str(), arrays.count(), arrays.types(), arrays.values(),
                          arrays.lengths(), arrays.formats(), 0) != 1) {
        send_failure_ = Failure{detail::statement_error(conn, nullptr, sql), index};
        return;
    }
    ++sent_;
}

Result<std::vector<Rows>> Pipeline::collect(std::size_t* failed_index) {
    PGconn* conn = connection_->native_handle();
    const std::size_t total = queued_;
    const std::size_t sent = sent_;
    std::optional<Failure> failure = std::move(send_failure_);
    queued_ = 0;
    sent_ = 0;
    send_failure_.reset();
    auto sql = std::move(sql_);
    sql_.clear();

    auto report = [&](Failure f) -> Error {
        if (failed_index) *failed_index = f.index;
        f.error.message = "statement " + std::to_string(f.index) + " of " + std::to_string(total) +
                          " in the pipeline failed: " + f.error.message;
        return std::move(f.error);
    };
    auto statement_sql = [&](std::size_t index) {
        std::string_view text;
        for (const auto& [first, statement] : sql) {
            if (first > index) break;
            text = statement;
        }
        return text;
    };

    std::size_t expected = sent;
    if (failure && sent > 0 && PQstatus(conn) == CONNECTION_OK) {
        // Some statements went out before one could not: fail the batch on the server too.
        if (PQsendQueryParams(conn, kAbortStatement, 0, nullptr, nullptr, nullptr, nullptr, 0) == 1)
            ++expected;
    }
    if (expected == 0) {
        if (failure) return report(std::move(*failure));
        return std::vector<Rows>{};
    }
    if (PQpipelineSync(conn) != 1) {
        Error error = detail::statement_error(conn, nullptr, "");
        if (!failure) failure = Failure{std::move(error), 0};
        return report(std::move(*failure));
    }

    std::vector<Rows> rows;
    rows.reserve(sent);
    for (std::size_t index = 0; index < expected; ++index) {
        // Each statement yields its result(s), then a null that ends them.
        bool saw_result = false;
        while (PGresult* raw = PQgetResult(conn)) {
            saw_result = true;
            Rows result(raw);
            switch (PQresultStatus(raw)) {
                case PGRES_COMMAND_OK:
                case PGRES_TUPLES_OK:
                case PGRES_EMPTY_QUERY:
                    if (index < sent) rows.push_back(std::move(result));
                    break;
                case PGRES_PIPELINE_ABORTED:  // skipped after an earlier failure
                    break;
                default:
                    if (!failure || failure->index > index) {
                        failure = Failure{detail::statement_error(conn, raw, statement_sql(index)), index};
                    }
                    break;
            }
        }
        if (!saw_result && PQstatus(conn) == CONNECTION_BAD) {
            if (!failure || failure->index > index) {
                failure = Failure{detail::statement_error(conn, nullptr, statement_sql(index)), index};
            }
            return report(std::move(*failure));
        }
    }
    // The sync point closes the batch; nothing follows it.
    Rows sync(PQgetResult(conn));
    if (PQresultStatus(sync.native_handle()) != PGRES_PIPELINE_SYNC && !failure) {
        failure = Failure{detail::statement_error(conn, sync.native_handle(), ""), total};
    }
    if (failure) return report(std::move(*failure));
    return rows;
}

Result<std::vector<Rows>> Pipeline::try_sync() { return collect(nullptr); }

std::vector<Rows> Pipeline::sync() {
    std::size_t failed_index = 0;
    auto rows = collect(&failed_index);
    if (!rows) throw PipelineError(rows.error(), failed_index, detail::hint_for(rows.error()));
    return std::move(rows).value();
}

}  // namespace courier::pg
