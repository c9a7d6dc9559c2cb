#include "relay_loop.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <thread>

#include "courier/outbox/header_json.hpp"
#include "courier/outbox/outbox_schema.hpp"
#include "courier/pg/errors.hpp"
#include "relay_fetch.hpp"
#include "relay_sql.hpp"

namespace courier::outbox {

namespace {

using namespace std::chrono_literals;

constexpr auto kMaxWait = 1000ms;           // wake at least this often for housekeeping
constexpr auto kSlowAcknowledgement = 10s;  // then log that a batch is still waiting

std::string shard_array(const std::vector<int>& shards) {
    std::string text = "{";
    for (std::size_t i = 0; i < shards.size(); ++i) {
        if (i > 0) text += ',';
        text += std::to_string(shards[i]);
    }
    return text + "}";
}

template <typename T>
std::string array_literal(const std::vector<std::pair<int, int64_t>>& pairs, std::size_t from, std::size_t to,
                          T pick) {
    std::string text = "{";
    for (std::size_t i = from; i < to; ++i) {
        if (i > from) text += ',';
        text += std::to_string(pick(pairs[i]));
    }
    return text + "}";
}

std::string describe_key(const std::optional<std::string>& key) {
    if (!key) return "(no key)";
    if (is_json_safe_text(*key) && key->size() <= 64) return "'" + *key + "'";
    return "(" + std::to_string(key->size()) + " bytes)";
}

bool session_lost(const Error& error, const pg::Connection& connection, int session_pid) {
    const std::string_view state = pg::sqlstate_of(error);
    return !connection.is_open() || connection.server_pid() != session_pid ||
           error.code == pg::kConnectionLostCode || state.substr(0, 2) == "08" || state == "57P01" ||
           state == "57P02" || state == "57P03";
}

}  // namespace

RelayLoop::RelayLoop(OutboxRelay& relay, std::string name)
    : relay_(relay),
      options_(relay.options_),
      name_(std::move(name)),
      wakeup_(std::make_shared<detail::Wakeup>()),
      backoff_(options_.initial_backoff, options_.max_backoff),
      random_(std::random_device{}()),
      leases_(name_),
      lanes_(options_.pipeline_depth) {}

std::chrono::milliseconds RelayLoop::backoff(int failures) { return backoff_.delay(failures, random_); }

void RelayLoop::note_error(const Error& error) {
    relay_.update_stats([&](RelayStats& s) {
        s.last_error = error.describe();
        s.last_error_at = std::chrono::system_clock::now();
    });
}

void RelayLoop::run(std::stop_token stop) {
    std::stop_callback on_stop(stop, [wakeup = wakeup_] { wakeup->signal(); });
    if (!open(stop)) return;
    spdlog::info("outbox relay {}: started on {} (batch {}, {} lane(s), poll {} ms)", name_,
                 connection_->target(), options_.batch_size, options_.pipeline_depth,
                 options_.poll_interval.count());
    while (!stop.stop_requested()) step(Clock::now());
    shutdown();
}

bool RelayLoop::open(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
        Error failure;
        try {
            if (!connection_) connection_.emplace(pg::Connection::open(options_.dsn));
            if (!connection_->is_open()) {
                if (auto reopened = connection_->try_reconnect(); !reopened)
                    throw pg::DatabaseError(reopened.error());
            }
            if (options_.apply_migrations && !migrated_) {
                install(*connection_);
                migrated_ = true;
            }
            if (auto prepared = prepare_session(); !prepared) throw pg::DatabaseError(prepared.error());
            return true;
        } catch (const pg::DatabaseError& e) {
            // A malformed DSN or a failing migration will not fix itself: the caller must know.
            if (!e.retriable()) throw;
            failure = e.to_error();
        }
        ++db_failures_;
        note_error(failure);
        const auto delay = backoff(db_failures_);
        spdlog::warn("outbox relay {}: cannot start ({}); retrying in {} ms", name_, failure.describe(),
                     delay.count());
        relay_.update_stats([](RelayStats& s) { ++s.retries; });
        pollfd descriptor{wakeup_->fd(), POLLIN, 0};
        ::poll(&descriptor, 1, static_cast<int>(delay.count()));
        wakeup_->drain();
    }
    return false;
}

Result<void> RelayLoop::prepare_session() {
    // Operators find relays (and their shard locks) in pg_stat_activity / pg_locks by this name.
    auto named = connection_->try_exec("SELECT set_config('application_name', $1, false)",
                                       {"courier-outbox-relay " + name_});
    if (!named) return std::move(named).error();
    if (!options_.durable_deletes) {
        // Losing a DELETE to a crash republishes rows (a duplicate); it can never lose one.
        auto relaxed = connection_->try_exec("SELECT set_config('synchronous_commit', 'off', false)");
        if (!relaxed) return std::move(relaxed).error();
    }
    try {
        connection_->listen(kChannel);  // remembered: repeated by the Connection after a reconnect
    } catch (const pg::DatabaseError& e) {
        return e.to_error();
    }
    session_ok_ = true;
    session_pid_ = connection_->server_pid();
    db_failures_ = 0;
    leases_.forget();
    const auto now = Clock::now();
    next_rebalance_ = now;
    for (Lane& lane : lanes_) {
        lane.dirty = true;
        lane.dirty_since = Clock::time_point{};
        lane.next_poll = now;
    }
    return {};
}

void RelayLoop::restore_session(Clock::time_point now) {
    if (now < db_retry_at_) return;
    auto reconnected = connection_->try_reconnect();
    if (reconnected) {
        if (auto prepared = prepare_session(); prepared) {
            relay_.update_stats([](RelayStats& s) { ++s.reconnects; });
            spdlog::info("outbox relay {}: reconnected to {}", name_, connection_->target());
            return;
        } else {
            reconnected = std::move(prepared).error();
        }
    }
    ++db_failures_;
    const auto delay = backoff(db_failures_);
    db_retry_at_ = now + delay;
    note_error(reconnected.error());
    relay_.update_stats([](RelayStats& s) { ++s.retries; });
    spdlog::warn("outbox relay {}: reconnecting failed ({}); next attempt in {} ms", name_,
                 reconnected.error().describe(), delay.count());
}

void RelayLoop::on_database_error(const Error& error, std::string_view doing) {
    note_error(error);
    ++db_failures_;
    const auto delay = backoff(db_failures_);
    relay_.update_stats([](RelayStats& s) { ++s.retries; });
    if (session_lost(error, *connection_, session_pid_)) {
        // PostgreSQL released this session's shard locks; another relay may already work them.
        session_ok_ = false;
        leases_.forget();
        relay_.update_stats([](RelayStats& s) { s.shards_held = 0; });
        db_retry_at_ = Clock::now() + delay;
        spdlog::warn("outbox relay {}: {} failed, the database session is lost ({}); reconnecting in {} ms",
                     name_, doing, error.describe(), delay.count());
    } else {
        paused_until_ = Clock::now() + delay;
        spdlog::warn("outbox relay {}: {} failed ({}); pausing {} ms", name_, doing, error.describe(),
                     delay.count());
    }
}

void RelayLoop::step(Clock::time_point now) {
    if (!session_ok_) restore_session(now);
    complete_lanes(now, false);
    if (session_ok_ && !pending_deletes_.empty()) flush_pending_deletes();
    if (session_ok_ && (now >= next_rebalance_ || (leases_.wants_release() && all_idle()))) rebalance(now);
    bool started = false;
    if (session_ok_) started = start_lanes(now);
    if (session_ok_) drain_notifications(now);
    if (!started) wait(Clock::now());
}

bool RelayLoop::any_busy() const {
    return std::any_of(lanes_.begin(), lanes_.end(), [](const Lane& l) { return l.batch != nullptr; });
}

bool RelayLoop::complete_lanes(Clock::time_point now, bool give_up) {
    bool completed = false;
    for (Lane& lane : lanes_) {
        if (!lane.batch) continue;
        if (give_up || lane.batch->done()) {
            finish(lane, now, give_up);
            completed = true;
        } else if (now - lane.started > kSlowAcknowledgement && now - lane.warned > kSlowAcknowledgement) {
            lane.warned = now;
            spdlog::warn(
                "outbox relay {}: a batch of {} rows has waited {} s for the broker's acknowledgements "
                "(is the broker reachable?)",
                name_, lane.batch->rows().size(),
                std::chrono::duration_cast<std::chrono::seconds>(now - lane.started).count());
        }
    }
    return completed;
}

void RelayLoop::finish(Lane& lane, Clock::time_point now, bool give_up) {
    using Outcome = detail::RelayBatch::Outcome;
    const auto state = lane.batch->state();
    const auto& rows = lane.batch->rows();
    std::array<bool, kShards> present{};
    std::array<int, kShards> blocked_at;  // first row of the shard not acknowledged, or -1
    blocked_at.fill(-1);
    uint64_t acknowledged = 0, failed = 0, reordered = 0;
    // (topic, key) of every row that failed so far; a later acknowledged row of one of them now
    // stands before it in the broker.
    std::set<std::pair<std::string_view, std::optional<std::string_view>>> failed_keys;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto s = static_cast<std::size_t>(rows[i].shard);
        present[s] = true;
        const Outcome outcome = state.outcomes[i];
        const auto key =
            std::make_pair(std::string_view(rows[i].topic),
                           rows[i].key ? std::optional<std::string_view>(*rows[i].key) : std::nullopt);
        if (outcome == Outcome::acknowledged) {
            ++acknowledged;
            if (!failed_keys.empty() && failed_keys.count(key) > 0) {
                ++reordered;
                spdlog::error(
                    "outbox relay {}: outbox row {} (topic {}, key {}) was acknowledged after an earlier row "
                    "of its key failed; consumers will see it before that row's retry (did the publisher "
                    "time the earlier one out? raise message.timeout.ms)",
                    name_, rows[i].id, rows[i].topic, describe_key(rows[i].key));
            }
        }
        if (outcome == Outcome::failed) {
            ++failed;
            failed_keys.insert(key);
        }
        if (outcome == Outcome::acknowledged && blocked_at[s] < 0) {
            // Only the acknowledged prefix of a shard goes: a row after a failed one stays even if
            // it was acknowledged, so the retry republishes the shard's rows in order.
            pending_deletes_.emplace_back(rows[i].shard, rows[i].id);
        } else if (outcome != Outcome::acknowledged && blocked_at[s] < 0) {
            blocked_at[s] = static_cast<int>(i);
        }
    }
    // One log line per batch, naming the first failure: an outage fails every shard at once.
    const Error* first_error = nullptr;
    std::optional<std::size_t> first_failed_row;
    std::vector<int> failed_shards;
    std::size_t kept = 0;
    int attempt = 0;
    std::chrono::milliseconds delay{0};
    for (std::size_t s = 0; s < present.size(); ++s) {
        if (!present[s]) continue;
        ShardState& shard = shards_[s];
        if (blocked_at[s] < 0) {
            shard.failures = 0;
            continue;
        }
        const auto at = static_cast<std::size_t>(blocked_at[s]);
        if (give_up && state.outcomes[at] == Outcome::pending) continue;  // unanswered at stop: not a failure
        ++shard.failures;
        const auto wait = backoff(shard.failures);
        shard.retry_at = now + wait;
        lane.next_poll = std::min(lane.next_poll, shard.retry_at);
        kept +=
            static_cast<std::size_t>(std::count_if(rows.begin() + static_cast<std::ptrdiff_t>(at), rows.end(),
                                                   [&](const auto& r) { return r.shard == rows[at].shard; }));
        failed_shards.push_back(static_cast<int>(s));
        if (!first_failed_row) {
            first_failed_row = at;
            attempt = shard.failures;
            delay = wait;
        }
        if (first_error == nullptr && state.errors[at]) first_error = &*state.errors[at];
    }
    if (first_failed_row) {
        const auto& row = rows[*first_failed_row];
        const std::string error = first_error ? first_error->describe() : "no answer";
        // Permanent failures (a message too large, an unknown topic) will not heal by waiting:
        // say so loudly; the shard keeps retrying, in order, until someone fixes the cause.
        const auto level =
            first_error && !first_error->retriable() ? spdlog::level::err : spdlog::level::warn;
        spdlog::log(level,
                    "outbox relay {}: publishing failed in shard(s) {}, first at outbox row {} (topic {}, "
                    "key {}): {}; "
                    "{} row(s) stay and are retried in order (attempt {}, next in {} ms)",
                    name_, shard_array(failed_shards), row.id, row.topic, describe_key(row.key), error, kept,
                    attempt, delay.count());
        relay_.update_stats([&](RelayStats& st) { st.retries += failed_shards.size(); });
    }
    relay_.update_stats([&](RelayStats& st) {
        st.published += acknowledged;
        st.failed += failed;
        st.reordered += reordered;
        ++st.batches;
        if (first_error != nullptr) {
            st.last_error = first_error->describe();
            st.last_error_at = std::chrono::system_clock::now();
        }
    });
    const bool was_full = rows.size() >= options_.batch_size;
    lane.batch.reset();
    if (was_full && !give_up) {
        lane.dirty = true;  // more rows are waiting: no linger
        lane.dirty_since = Clock::time_point{};
    }
    if (options_.after_acknowledged) options_.after_acknowledged(static_cast<std::size_t>(acknowledged));
    if (session_ok_) flush_pending_deletes();
}

void RelayLoop::flush_pending_deletes() {
    while (!pending_deletes_.empty()) {
        const std::size_t n = std::min(pending_deletes_.size(), options_.batch_size);
        auto shards = array_literal(pending_deletes_, 0, n, [](const auto& p) { return p.first; });
        auto ids = array_literal(pending_deletes_, 0, n, [](const auto& p) { return p.second; });
        auto deleted = connection_->try_exec(detail::kDeleteSql, {std::move(shards), std::move(ids)});
        if (!deleted) {
            on_database_error(deleted.error(), "deleting published rows");
            return;
        }
        pending_deletes_.erase(pending_deletes_.begin(),
                               pending_deletes_.begin() + static_cast<std::ptrdiff_t>(n));
        relay_.update_stats(
            [&](RelayStats& s) { s.deleted += static_cast<uint64_t>(deleted->affected_rows()); });
    }
}

void RelayLoop::rebalance(Clock::time_point now) {
    next_rebalance_ = now + options_.rebalance_interval;
    const auto before = leases_.held();
    const std::size_t depth = lanes_.size();
    auto done = leases_.rebalance(
        *connection_, [&](int s) { return lanes_[static_cast<std::size_t>(s) % depth].batch != nullptr; });
    if (!done) {
        on_database_error(done.error(), "sharing shards");
        return;
    }
    const int held = leases_.count();
    relay_.update_stats([&](RelayStats& s) { s.shards_held = held; });
    if (leases_.held() != before) {
        for (Lane& lane : lanes_) {
            lane.dirty = true;
            lane.dirty_since = Clock::time_point{};
        }
    }
}

std::vector<int> RelayLoop::eligible_shards(std::size_t lane, Clock::time_point now) const {
    std::vector<int> shards;
    for (int s = 0; s < kShards; ++s) {
        if (static_cast<std::size_t>(s) % lanes_.size() != lane || !leases_.holds(s)) continue;
        if (now < shards_[static_cast<std::size_t>(s)].retry_at) continue;
        shards.push_back(s);
    }
    return shards;
}

bool RelayLoop::start_lanes(Clock::time_point now) {
    // While shards must be handed to another relay, let the lanes drain so rebalance() can.
    if (stopping_ || now < paused_until_ || leases_.wants_release()) return false;
    bool started = false;
    for (std::size_t i = 0; i < lanes_.size() && session_ok_; ++i) started = start_lane(i, now) || started;
    return started;
}

bool RelayLoop::start_lane(std::size_t index, Clock::time_point now) {
    Lane& lane = lanes_[index];
    if (lane.batch) return false;
    std::vector<int> shards = eligible_shards(index, now);
    if (shards.empty()) return false;
    const bool due = (lane.dirty && now >= lane.dirty_since + options_.linger) || now >= lane.next_poll;
    if (!due) return false;
    // Rotate which shard is served first, so one busy shard cannot starve the others under the LIMIT.
    std::rotate(shards.begin(), shards.begin() + static_cast<std::ptrdiff_t>(lane.rotation++ % shards.size()),
                shards.end());

    auto fetched = detail::fetch_rows(*connection_, shards, options_.batch_size, options_.id_header);
    if (!fetched) {
        on_database_error(fetched.error(), "fetching outbox rows");
        return false;
    }
    db_failures_ = 0;
    lane.dirty = false;
    lane.next_poll = now + options_.poll_interval;
    for (int s = 0; s < kShards; ++s) {
        const auto& shard = shards_[static_cast<std::size_t>(s)];
        if (static_cast<std::size_t>(s) % lanes_.size() == index && leases_.holds(s) &&
            shard.retry_at > now) {
            lane.next_poll = std::min(lane.next_poll, shard.retry_at);
        }
    }
    std::vector<detail::FetchedRow>& rows = *fetched;
    if (rows.empty()) return false;

    std::vector<detail::RelayBatch::Row> meta;
    meta.reserve(rows.size());
    for (const auto& row : rows) {
        detail::RelayBatch::Row m;
        m.id = row.id;
        m.shard = row.shard;
        if (row.message) {
            m.topic = row.message->topic;
            m.key = row.message->key;
        }
        meta.push_back(std::move(m));
    }
    auto batch = std::make_shared<detail::RelayBatch>(index, std::move(meta), wakeup_);
    std::array<bool, kShards> blocked{};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto s = static_cast<std::size_t>(rows[i].shard);
        if (blocked[s]) {
            batch->mark_not_sent(i,
                                 Error::transient("outbox.held_back", "an earlier row of its shard failed"));
            continue;
        }
        if (!rows[i].message) {
            blocked[s] = true;
            batch->mark_not_sent(i, std::move(*rows[i].unreadable));
            continue;
        }
        relay_.publisher_->publish(std::move(*rows[i].message), batch->callback_for(i));
        // Refused on the spot (queue full in fail-fast mode, message too large): publish nothing
        // after it from this shard, or a retry would land behind later rows of its key.
        if (batch->outcome(i) == detail::RelayBatch::Outcome::failed) blocked[s] = true;
    }
    batch->seal();
    lane.batch = std::move(batch);
    lane.started = now;
    lane.warned = now;
    return true;
}

void RelayLoop::drain_notifications(Clock::time_point now) {
    bool notified = false;
    for (;;) {
        auto notification = connection_->try_wait_for_notification(0ms);
        if (!notification) {
            on_database_error(notification.error(), "reading notifications");
            return;
        }
        if (!*notification) break;
        notified = true;
    }
    if (!notified) return;
    for (Lane& lane : lanes_) {
        if (!lane.dirty) {
            lane.dirty = true;
            lane.dirty_since = now;
        }
    }
}

void RelayLoop::wait(Clock::time_point now) {
    Clock::time_point deadline = now + kMaxWait;
    if (!session_ok_) {
        deadline = std::min(deadline, db_retry_at_);
    } else {
        deadline = std::min(deadline, next_rebalance_);
        // Lanes cannot start while paused or while shards wait to be handed over: their
        // deadlines would only make this loop spin.
        const bool lanes_blocked = now < paused_until_ || leases_.wants_release();
        if (now < paused_until_) deadline = std::min(deadline, paused_until_);
        for (std::size_t i = 0; i < lanes_.size() && !lanes_blocked; ++i) {
            const Lane& lane = lanes_[i];
            if (lane.batch) continue;
            if (!eligible_shards(i, now).empty()) {
                if (lane.dirty) deadline = std::min(deadline, lane.dirty_since + options_.linger);
                deadline = std::min(deadline, lane.next_poll);
                continue;
            }
            // Every shard of the lane is backing off (or none is held): wake when one may retry.
            for (int s = static_cast<int>(i); s < kShards; s += static_cast<int>(lanes_.size())) {
                if (leases_.holds(s))
                    deadline = std::min(deadline, shards_[static_cast<std::size_t>(s)].retry_at);
            }
        }
    }
    if (deadline <= now) return;
    const auto timeout = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    pollfd descriptors[2] = {{wakeup_->fd(), POLLIN, 0}, {-1, POLLIN, 0}};
    nfds_t count = 1;
    if (session_ok_ && connection_->socket() >= 0) {
        descriptors[1].fd = connection_->socket();
        count = 2;
    }
    if (::poll(descriptors, count, static_cast<int>(timeout.count())) < 0 && errno != EINTR) {
        // Cannot happen with valid descriptors; do not spin if it does.
        std::this_thread::sleep_for(10ms);
    }
    wakeup_->drain();
}

void RelayLoop::shutdown() {
    stopping_ = true;
    const auto deadline = Clock::now() + options_.stop_timeout;
    while (any_busy()) {
        const auto now = Clock::now();
        complete_lanes(now, false);
        if (!any_busy() || now >= deadline) break;
        pollfd descriptor{wakeup_->fd(), POLLIN, 0};
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        ::poll(&descriptor, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
        wakeup_->drain();
    }
    if (any_busy()) {
        spdlog::warn(
            "outbox relay {}: stopping with acknowledgements still missing after {} ms; those rows stay and "
            "will be published again (duplicates if they did arrive)",
            name_, options_.stop_timeout.count());
        complete_lanes(Clock::now(), true);
    }
    if (session_ok_) {
        flush_pending_deletes();
        if (session_ok_) leases_.release_all(*connection_);
    }
    if (!pending_deletes_.empty()) {
        spdlog::warn(
            "outbox relay {}: {} acknowledged row(s) could not be deleted; they will be published again",
            name_, pending_deletes_.size());
    }
    relay_.update_stats([](RelayStats& s) { s.shards_held = 0; });
    const RelayStats s = relay_.stats();
    spdlog::info("outbox relay {}: stopped ({} published, {} failed, {} batches, {} retries)", name_,
                 s.published, s.failed, s.batches, s.retries);
}

}  // namespace courier::outbox
