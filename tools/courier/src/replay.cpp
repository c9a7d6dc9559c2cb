// courier replay: copy a range of a topic to a target topic — by offsets or time, filtered by
// key, ce_type or headers — keeping key, payload and headers; rate-limited and resumable.

#include <boost/program_options.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/range_reader.hpp"
#include "courier/cli/commands.hpp"
#include "courier/cli/message_filter.hpp"
#include "courier/cli/replay_checkpoint.hpp"
#include "courier/cli/time_spec.hpp"
#include "courier/consumers/replay_headers.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/core/ids.hpp"
#include "kafka_flags.hpp"
#include "rate_limit.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

namespace replay = consumers::replay;
using broker::TopicPartition;
using broker::kafka::KafkaAdmin;
using broker::kafka::KafkaPublisher;
using broker::kafka::KafkaPublisherOptions;
using broker::kafka::PartitionRange;
using broker::kafka::RangeBounds;
using broker::kafka::RangeReader;
using Steady = std::chrono::steady_clock;

constexpr auto kCheckpointEvery = std::chrono::seconds(1);
constexpr auto kProgressEvery = std::chrono::seconds(1);
constexpr auto kFlushTimeout = std::chrono::seconds(60);

po::options_description replay_options() {
    po::options_description o(
        "courier replay -t SOURCE --to TARGET [range] [filters] [options]\n\n"
        "Copies messages of SOURCE to TARGET with their key, payload and headers, adding\n"
        "courier-replay-id and courier-replay-source (topic/partition/offset). ce_id is kept, so consumers\n"
        "that deduplicate by ce_id skip what they already applied. The range ends where each partition\n"
        "ended when the replay began. All given bounds and filters apply together.\n\n"
        "TIME is RFC 3339 with a zone (2026-11-21T10:00:00Z), a time ago (90s, 15m, 2h, 1d, 1h30m), now,\n"
        "or Unix milliseconds (@1795303383870); bounds use message timestamps.\n\n"
        "Options");
    o.add_options()
        ("help,h", "show this help")
        ("topic,t", po::value<std::string>(), "source topic")
        ("to", po::value<std::string>(), "target topic (must exist; may be the source itself)")
        ("partition,p", po::value<std::vector<int32_t>>()->composing(), "source partition (repeatable; default all)")
        ("from-offset", po::value<int64_t>(), "first offset of each partition (negative: that many before the end)")
        ("to-offset", po::value<int64_t>(), "last offset of each partition, inclusive")
        ("since", po::value<std::string>(), "TIME: from the first message stamped at or after it")
        ("until", po::value<std::string>(), "TIME: up to, not including, the first message stamped at or after it")
        ("key", po::value<std::string>(), "only messages with exactly this key")
        ("key-regex", po::value<std::string>(), "only messages whose key matches this regular expression")
        ("type", po::value<std::vector<std::string>>()->composing(), "only messages of this ce_type (repeatable: any)")
        ("header,H", po::value<std::vector<std::string>>()->composing(),
         "only messages with header name=value, or name~regex (repeatable: all)")
        ("group,G", po::value<std::string>(),
         "only this consumer group handles the copies (courier-replay-group; other groups' routers skip them)")
        ("new-ids", po::bool_switch(), "give copies new ce_id values: consumers apply them again (original id kept in "
                                      "courier-replay-original-id)")
        ("dry-run", po::bool_switch(), "count per partition and print a sample; write nothing")
        ("sample", po::value<std::size_t>()->default_value(5), "dry run: how many matching messages to print")
        ("rate", po::value<double>(), "at most this many copies per second")
        ("limit", po::value<uint64_t>(), "copy at most this many messages in this run")
        ("checkpoint", po::value<std::string>(),
         "FILE recording progress; run the same command again to resume where it stopped")
        ("timeout", po::value<double>()->default_value(10), "seconds to wait for the broker on each request")
        ("quiet,q", po::bool_switch(), "no progress line on stderr");
    add_kafka_flags(o);
    return o;
}

struct ReplaySpec {
    std::string source, target;
    RangeBounds bounds;
    std::string bounds_text;  // as typed: relative times are not resolved again on resume
    MessageFilter filter;
    std::optional<std::string> group;
    bool new_ids = false;
    bool dry_run = false;
    bool quiet = false;
    std::size_t sample = 5;
    std::optional<double> rate;
    std::optional<uint64_t> limit;
    std::optional<std::string> checkpoint;
    std::chrono::milliseconds timeout{10000};

    std::string fingerprint() const {
        return "source=" + source + " target=" + target + " bounds={" + bounds_text + "} filter={" +
               filter.describe() + "} group=" + group.value_or("") + " new-ids=" + (new_ids ? "yes" : "no");
    }
};

ReplaySpec parse_spec(const po::variables_map& vm, std::chrono::system_clock::time_point now) {
    ReplaySpec spec;
    if (!vm.count("topic")) throw UsageError("missing -t SOURCE");
    spec.source = vm["topic"].as<std::string>();
    spec.dry_run = vm["dry-run"].as<bool>();
    if (vm.count("to")) spec.target = vm["to"].as<std::string>();
    if (spec.target.empty() && !spec.dry_run)
        throw UsageError("missing --to TARGET (or --dry-run to only count)");
    spec.bounds.topic = spec.source;
    std::ostringstream text;
    if (vm.count("partition")) {
        spec.bounds.partitions = vm["partition"].as<std::vector<int32_t>>();
        std::sort(spec.bounds.partitions.begin(), spec.bounds.partitions.end());
        text << "partitions=";
        for (auto p : spec.bounds.partitions) {
            if (p < 0) throw UsageError("-p: partitions are numbered from 0, got " + std::to_string(p));
            text << p << ",";
        }
        text << " ";
    }
    if (vm.count("from-offset")) {
        spec.bounds.from_offset = vm["from-offset"].as<int64_t>();
        text << "from-offset=" << *spec.bounds.from_offset << " ";
    }
    if (vm.count("to-offset")) {
        spec.bounds.to_offset = vm["to-offset"].as<int64_t>();
        if (*spec.bounds.to_offset < 0) throw UsageError("--to-offset must be 0 or more");
        text << "to-offset=" << *spec.bounds.to_offset << " ";
    }
    if (spec.bounds.from_offset && spec.bounds.to_offset && *spec.bounds.from_offset >= 0 &&
        *spec.bounds.from_offset > *spec.bounds.to_offset) {
        throw UsageError("--from-offset " + std::to_string(*spec.bounds.from_offset) +
                         " is after --to-offset " + std::to_string(*spec.bounds.to_offset));
    }
    auto time_flag = [&](const char* flag) -> std::optional<int64_t> {
        if (!vm.count(flag)) return std::nullopt;
        auto typed = vm[flag].as<std::string>();
        try {
            auto ms = parse_time_point(typed, now);
            text << flag << "=" << typed << " ";
            return ms;
        } catch (const ConfigError& e) {
            throw UsageError(std::string("--") + flag + ": " + e.what());
        }
    };
    spec.bounds.since_ms = time_flag("since");
    spec.bounds.until_ms = time_flag("until");
    if (spec.bounds.since_ms && spec.bounds.until_ms && *spec.bounds.since_ms >= *spec.bounds.until_ms) {
        throw UsageError("empty time range: --since " + format_time_ms(*spec.bounds.since_ms) +
                         " is not before --until " + format_time_ms(*spec.bounds.until_ms));
    }
    spec.bounds_text = text.str();
    try {
        if (vm.count("key")) spec.filter.key(vm["key"].as<std::string>());
        if (vm.count("key-regex")) spec.filter.key_regex(vm["key-regex"].as<std::string>());
        if (vm.count("type")) {
            for (const auto& t : vm["type"].as<std::vector<std::string>>()) spec.filter.type(t);
        }
        if (vm.count("header")) {
            for (const auto& h : vm["header"].as<std::vector<std::string>>()) spec.filter.header_condition(h);
        }
    } catch (const UsageError&) {
        throw;
    } catch (const ConfigError& e) {
        throw UsageError(e.what());
    }
    if (vm.count("group")) {
        spec.group = vm["group"].as<std::string>();
        if (spec.group->empty()) throw UsageError("--group needs a group name");
    }
    spec.new_ids = vm["new-ids"].as<bool>();
    spec.quiet = vm["quiet"].as<bool>();
    spec.sample = vm["sample"].as<std::size_t>();
    if (vm.count("rate")) {
        spec.rate = vm["rate"].as<double>();
        if (!(*spec.rate > 0)) throw UsageError("--rate must be more than 0 messages per second");
    }
    if (vm.count("limit")) {
        spec.limit = vm["limit"].as<uint64_t>();
        if (*spec.limit == 0) throw UsageError("--limit must be at least 1");
    }
    if (vm.count("checkpoint")) {
        if (spec.dry_run)
            throw UsageError("--checkpoint cannot be combined with --dry-run (a dry run records nothing)");
        spec.checkpoint = vm["checkpoint"].as<std::string>();
        if (spec.checkpoint->empty()) throw UsageError("--checkpoint needs a file name");
    }
    auto seconds = vm["timeout"].as<double>();
    if (!(seconds > 0)) throw UsageError("--timeout must be more than 0 seconds");
    spec.timeout = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    return spec;
}

// This run's counts for one source partition.
struct PartitionTally {
    int64_t start = 0, end = 0;  // the whole range, as resolved when the replay began
    uint64_t matched = 0;        // copied (or, in a dry run, would be)
    uint64_t filtered = 0;
    uint64_t already = 0;  // copied by an earlier, interrupted run
};

std::string range_text(int64_t start, int64_t end) {
    return end > start ? std::to_string(start) + ".." + std::to_string(end - 1) : std::string("-");
}

std::string seconds_text(double seconds) {
    if (seconds < 90) return std::to_string(static_cast<long>(seconds + 0.5)) + "s";
    if (seconds < 5400) return std::to_string(static_cast<long>(seconds / 60 + 0.5)) + "m";
    return std::to_string(static_cast<long>(seconds / 3600 + 0.5)) + "h";
}

class Replay {
public:
    Replay(ReplaySpec spec, Properties properties, CommandIo io)
        : spec_(std::move(spec)), props_(std::move(properties)), io_(io), admin_(props_) {}

    int run() {
        std::vector<PartitionRange> to_read;
        if (!prepare(to_read)) return 0;
        if (spec_.new_ids && !spec_.dry_run) {
            io_.err << "courier replay: warning: --new-ids gives every copy a new ce_id, so consumers that "
                       "deduplicate "
                       "by ce_id apply each copy again, even messages they already applied\n";
        }
        if (!spec_.dry_run) {
            KafkaPublisherOptions options{props_};
            publisher_ = std::make_unique<KafkaPublisher>(options);
        }
        RangeReader reader(props_, to_read, spec_.timeout);
        for (const auto& r : to_read) progress_total_ += r.size();
        started_ = Steady::now();
        auto outcome = copy(reader);
        return finish(outcome, reader.done());
    }

private:
    enum class Outcome { finished, limit, stopped, failed };

    bool stop_requested() const { return io_.stop && io_.stop->load(); }

    // Resolves the range (or takes it from the checkpoint) and checks the target; false when a
    // checkpoint says the replay is already complete.
    bool prepare(std::vector<PartitionRange>& to_read) {
        std::optional<ReplayCheckpoint> saved;
        if (spec_.checkpoint) saved = ReplayCheckpoint::load(*spec_.checkpoint);
        if (saved) {
            if (saved->fingerprint != spec_.fingerprint()) {
                throw ConfigError(
                    "checkpoint " + *spec_.checkpoint + " belongs to another replay (" + saved->fingerprint +
                        "), not this one (" + spec_.fingerprint() + ")",
                    "repeat that replay's command to resume it, or give a new --checkpoint file");
            }
            if (saved->complete) {
                io_.out << "replay " << saved->replay_id << " is already complete (" << saved->copied
                        << " message(s) copied from " << saved->source << " to " << saved->target
                        << "); nothing to do\n";
                return false;
            }
            check_target();
            state_ = *saved;
            for (const auto& [p, offsets] : saved->copied_ahead)
                skip_[p].insert(offsets.begin(), offsets.end());
            for (auto r : state_.ranges) {
                if (auto it = state_.next.find(r.partition.partition); it != state_.next.end()) {
                    r.start = std::min(std::max(r.start, it->second), r.end);
                }
                to_read.push_back(r);
            }
            auto found = reconcile(saved->target_ends);
            state_.copied += found;
            if (stop_requested())
                throw CourierError(ErrorKind::transient, "interrupted while resuming; nothing copied");
            io_.err << "courier replay: resuming " << state_.replay_id << " from " << *spec_.checkpoint
                    << " (" << state_.copied << " copied before";
            if (found > 0)
                io_.err << ", " << found << " more found in " << spec_.target << " after the checkpoint";
            io_.err << ")\n";
        } else {
            auto ranges = broker::kafka::resolve_range(props_, spec_.bounds, spec_.timeout);
            if (!spec_.dry_run) check_target();
            int64_t total = 0;
            for (const auto& r : ranges) total += r.size();
            if (total == 0) {
                throw CourierError(
                    ErrorKind::permanent,
                    "nothing to replay: " + spec_.source + " has no messages in " + describe_bounds(),
                    "see what the topic holds with: courier consume -t " + spec_.source +
                        " -e -f '%p %o %T\\n'");
            }
            state_.replay_id = new_uuid();
            state_.fingerprint = spec_.fingerprint();
            state_.source = spec_.source;
            state_.target = spec_.target;
            state_.ranges = ranges;
            for (const auto& r : ranges) state_.next[r.partition.partition] = r.start;
            if (spec_.checkpoint) {
                // Before the first copy, so a crash at any point after it leaves a resumable file.
                state_.target_ends = target_ends();
                state_.save(*spec_.checkpoint);
            }
            to_read = ranges;
        }
        for (const auto& r : state_.ranges) {
            auto& t = tallies_[r.partition.partition];
            t.start = r.start;
            t.end = r.end;
        }
        next_ = state_.next;
        for (const auto& r : to_read) run_start_[r.partition.partition] = r.start;
        earlier_copied_ = state_.copied;
        earlier_filtered_ = state_.filtered;
        return true;
    }

    std::string describe_bounds() const {
        std::string text = spec_.bounds.partitions.empty() ? "any partition" : "partitions";
        for (auto p : spec_.bounds.partitions) text += " " + std::to_string(p);
        if (spec_.bounds.from_offset) text += ", from offset " + std::to_string(*spec_.bounds.from_offset);
        if (spec_.bounds.to_offset) text += ", to offset " + std::to_string(*spec_.bounds.to_offset);
        if (spec_.bounds.since_ms) text += ", since " + format_time_ms(*spec_.bounds.since_ms);
        if (spec_.bounds.until_ms) text += ", until " + format_time_ms(*spec_.bounds.until_ms);
        return text;
    }

    // Replay never creates topics: a typo in --to must not make a new one.
    void check_target() {
        auto names = admin_.list_topics(spec_.timeout);
        if (!std::binary_search(names.begin(), names.end(), spec_.target)) {
            throw CourierError(ErrorKind::permanent, "target topic " + spec_.target + " does not exist",
                               "create it first: courier topics create " + spec_.target + " --partitions N");
        }
        target_partitions_ = admin_.describe_topic(spec_.target, spec_.timeout).partitions;
    }

    std::map<int32_t, int64_t> target_ends() {
        std::map<int32_t, int64_t> ends;
        for (auto p : target_partitions_) ends[p] = admin_.watermarks({spec_.target, p}, spec_.timeout).high;
        return ends;
    }

    // Finds copies this replay published after its last checkpoint (it was killed before it
    // could record them): they are in the target after the checkpoint's ends.
    uint64_t reconcile(const std::map<int32_t, int64_t>& from) {
        std::vector<PartitionRange> tail;
        for (auto p : target_partitions_) {
            auto marks = admin_.watermarks({spec_.target, p}, spec_.timeout);
            auto it = from.find(p);
            int64_t start = it != from.end() ? std::max(it->second, marks.low) : marks.low;
            tail.push_back({{spec_.target, p}, start, marks.high});
        }
        uint64_t found = 0;
        RangeReader reader(props_, tail, spec_.timeout);
        reader.read(
            [&](const Message& m) {
                auto id = m.headers.get(replay::kId);
                auto source = m.headers.get(replay::kSource);
                if (!id || *id != state_.replay_id || !source) return true;
                // "<topic>/<partition>/<offset>"; topic names cannot hold a '/'.
                auto second = source->rfind('/');
                auto first = second == std::string_view::npos ? second : source->rfind('/', second - 1);
                if (first == std::string_view::npos || source->substr(0, first) != spec_.source) return true;
                try {
                    auto partition = std::stoi(std::string(source->substr(first + 1, second - first - 1)));
                    auto offset = std::stoll(std::string(source->substr(second + 1)));
                    if (skip_[partition].insert(offset).second) ++found;
                } catch (const std::exception&) {
                    io_.err << "courier replay: ignoring " << describe_position(m) << ": unreadable "
                            << replay::kSource << " '" << *source << "'\n";
                }
                return true;
            },
            io_.stop);
        return found;
    }

    void advance(int32_t partition, int64_t offset) {
        next_[partition] = offset + 1;
        if (skip_.empty()) return;
        if (auto it = skip_.find(partition); it != skip_.end()) {
            it->second.erase(it->second.begin(), it->second.upper_bound(offset));
            if (it->second.empty()) skip_.erase(it);
        }
    }

    bool already_copied(int32_t partition, int64_t offset) const {
        if (skip_.empty()) return false;
        auto it = skip_.find(partition);
        return it != skip_.end() && it->second.contains(offset);
    }

    Message copy_of(Message&& m) const {
        Message copy;
        copy.topic = spec_.target;
        copy.key = std::move(m.key);
        copy.payload = std::move(m.payload);
        copy.headers.reserve(m.headers.size() + 4);
        for (const auto& h : m.headers) {
            if (!replay::is_replay_header(h.name)) copy.headers.add(h.name, h.value);
        }
        if (spec_.new_ids) {
            if (auto id = copy.headers.get(ce::kId)) {
                copy.headers.add(std::string(replay::kOriginalId), std::string(*id));
                copy.headers.set(ce::kId, new_uuid());
            }
        }
        copy.headers.add(std::string(replay::kId), state_.replay_id);
        copy.headers.add(std::string(replay::kSource), m.topic + "/" + std::to_string(m.metadata->partition) +
                                                           "/" + std::to_string(m.metadata->offset));
        if (spec_.group) copy.headers.add(std::string(replay::kGroup), *spec_.group);
        return copy;
    }

    void publish(Message copy) {
        publisher_->publish(std::move(copy), [this](Result<broker::DeliveryReport> result) {
            if (result) return;
            if (failed_.fetch_add(1) == 0) {
                std::lock_guard lock(error_mutex_);
                first_error_ = result.error().describe();
            }
        });
    }

    void print_sample(const Message& m) {
        if (samples_.size() >= spec_.sample) return;
        std::ostringstream line;
        line << "  " << describe_position(m) << "  key " << (m.key ? *m.key : "(null)") << "  ce_type "
             << m.headers.get(ce::kType).value_or("-") << "  ce_id " << m.headers.get(ce::kId).value_or("-")
             << "  " << m.payload.size() << " B";
        samples_.push_back(line.str());
    }

    Outcome copy(RangeReader& reader) {
        RateLimit rate(spec_.rate);
        auto last_progress = Steady::now(), last_checkpoint = Steady::now();
        Steady::time_point last_poll_warning{};
        while (!reader.done()) {
            if (stop_requested()) return Outcome::stopped;
            auto batch = reader.poll(500, std::chrono::milliseconds(200));
            if (!batch) {
                if (batch.error().kind != ErrorKind::transient) throw CourierError(batch.error());
                if (Steady::now() - last_poll_warning > std::chrono::seconds(5)) {
                    io_.err << "courier replay: " << batch.error().describe() << " (retrying)\n";
                    last_poll_warning = Steady::now();
                }
                continue;
            }
            for (auto& m : *batch) {
                if (stop_requested()) return Outcome::stopped;
                int32_t partition = m.metadata->partition;
                int64_t offset = m.metadata->offset;
                auto& tally = tallies_[partition];
                if (already_copied(partition, offset)) {
                    ++tally.already;
                } else if (!spec_.filter.accepts(m)) {
                    ++tally.filtered;
                    ++filtered_;
                } else {
                    // The message over the limit stays unread: a resumed run starts with it.
                    if (spec_.limit && matched_ >= *spec_.limit) return Outcome::limit;
                    ++tally.matched;
                    ++matched_;
                    if (spec_.dry_run) {
                        print_sample(m);
                    } else {
                        rate.wait();
                        publish(copy_of(std::move(m)));
                    }
                }
                advance(partition, offset);
            }
            if (failed_.load() > 0) return Outcome::failed;
            auto now = Steady::now();
            if (spec_.checkpoint && now - last_checkpoint >= kCheckpointEvery) {
                if (!save_checkpoint(false)) return Outcome::failed;
                last_checkpoint = Steady::now();
            }
            if (!spec_.quiet && now - last_progress >= kProgressEvery) {
                print_progress();
                last_progress = now;
            }
        }
        return Outcome::finished;
    }

    void print_progress() {
        int64_t done = 0;
        for (const auto& [p, start] : run_start_) {
            auto it = next_.find(p);
            if (it != next_.end())
                done += std::max<int64_t>(0, std::min(it->second, tallies_[p].end) - start);
        }
        double elapsed = std::chrono::duration<double>(Steady::now() - started_).count();
        double per_second = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
        io_.err << "courier replay: " << (progress_total_ > 0 ? done * 100 / progress_total_ : 100) << "% ("
                << done << "/" << progress_total_ << " offsets), " << matched_
                << (spec_.dry_run ? " would be copied, " : " copied, ") << filtered_ << " filtered, "
                << static_cast<long>(per_second) << " msg/s";
        if (per_second > 0 && done < progress_total_) {
            io_.err << ", ETA " << seconds_text(static_cast<double>(progress_total_ - done) / per_second);
        }
        io_.err << "\n";
    }

    // Flushes every copy, then records where the replay stands. False when copies failed (the
    // previous checkpoint stays; the copies that did land are found again on resume).
    bool save_checkpoint(bool complete) {
        if (!publisher_->flush(kFlushTimeout)) {
            std::lock_guard lock(error_mutex_);
            if (first_error_.empty()) {
                first_error_ = std::to_string(publisher_->in_flight()) + " copies not acknowledged within " +
                               std::to_string(kFlushTimeout.count()) + " s";
            }
            return false;
        }
        if (failed_.load() > 0) return false;
        if (!spec_.checkpoint) return true;
        state_.target_ends = target_ends();
        state_.next = next_;
        state_.copied_ahead.clear();
        for (const auto& [p, offsets] : skip_) {
            auto from = offsets.lower_bound(next_.count(p) ? next_.at(p) : 0);
            if (from != offsets.end()) state_.copied_ahead[p].assign(from, offsets.end());
        }
        state_.copied = earlier_copied_ + matched_;
        state_.filtered = earlier_filtered_ + filtered_;
        state_.complete = complete;
        state_.save(*spec_.checkpoint);
        return true;
    }

    int finish(Outcome outcome, bool read_all) {
        bool delivered = spec_.dry_run || save_checkpoint(outcome == Outcome::finished && read_all);
        if (!delivered) outcome = Outcome::failed;
        if (!spec_.quiet) print_progress();
        print_table();
        if (spec_.dry_run) {
            if (!samples_.empty()) {
                io_.out << "sample (first " << samples_.size() << " of " << matched_ << "):\n";
                for (const auto& s : samples_) io_.out << s << "\n";
            }
            io_.out << "dry run: nothing written; " << matched_ << " message(s) would be copied from "
                    << spec_.source << (spec_.target.empty() ? "" : " to " + spec_.target) << ", "
                    << filtered_ << " filtered out";
            if (outcome == Outcome::limit) io_.out << " (counted up to --limit " << *spec_.limit << ")";
            io_.out << "\n";
            if (outcome == Outcome::stopped) {
                io_.err << "courier replay: interrupted; the counts cover only what was read\n";
                return 1;
            }
            return 0;
        }
        io_.out << "copied " << matched_ << " message(s) from " << spec_.source << " to " << spec_.target
                << ", " << filtered_ << " filtered out";
        if (uint64_t already = total_already(); already > 0)
            io_.out << ", " << already << " copied by the earlier run";
        io_.out << "; replay id " << state_.replay_id << "\n";
        if (matched_ == 0 && !spec_.filter.empty() && outcome == Outcome::finished) {
            io_.out << "no message matched the filters (" << spec_.filter.describe() << ")\n";
        }
        std::string resume = spec_.checkpoint
                                 ? "run the same command again to resume from " + *spec_.checkpoint
                                 : "no --checkpoint was given, so a new run starts from the beginning "
                                   "(ce_id is kept: idempotent consumers skip what they applied)";
        switch (outcome) {
            case Outcome::finished:
                return 0;
            case Outcome::limit:
                io_.out << "stopped at --limit " << *spec_.limit << " with messages left in the range; "
                        << resume << "\n";
                return 0;
            case Outcome::stopped:
                io_.err << "courier replay: interrupted; " << resume << "\n";
                return 1;
            case Outcome::failed: {
                std::lock_guard lock(error_mutex_);
                io_.err << "courier replay: " << failed_.load() << " copy(ies) failed (" << first_error_
                        << "); " << (spec_.checkpoint ? "nothing is lost: " + resume : resume) << "\n";
                return 1;
            }
        }
        return 1;
    }

    uint64_t total_already() const {
        uint64_t n = 0;
        for (const auto& [p, t] : tallies_) n += t.already;
        return n;
    }

    void print_table() {
        io_.out << std::left << std::setw(11) << "partition" << std::setw(24) << "offsets" << std::setw(12)
                << (spec_.dry_run ? "would copy" : "copied") << std::setw(10) << "filtered";
        if (!spec_.dry_run) io_.out << "already copied";
        io_.out << "\n";
        for (const auto& [p, t] : tallies_) {
            io_.out << std::setw(11) << p << std::setw(24) << range_text(t.start, t.end) << std::setw(12)
                    << t.matched << std::setw(10) << t.filtered;
            if (!spec_.dry_run) io_.out << t.already;
            io_.out << "\n";
        }
        io_.out << std::right;
    }

    ReplaySpec spec_;
    Properties props_;
    CommandIo io_;
    KafkaAdmin admin_;
    std::unique_ptr<KafkaPublisher> publisher_;
    std::vector<int32_t> target_partitions_;
    ReplayCheckpoint state_;
    uint64_t earlier_copied_ = 0, earlier_filtered_ = 0;  // by interrupted runs before this one
    std::map<int32_t, int64_t> run_start_;                // where this run began, per partition
    std::map<int32_t, int64_t> next_;
    std::map<int32_t, std::set<int64_t>> skip_;
    std::map<int32_t, PartitionTally> tallies_;
    std::vector<std::string> samples_;
    uint64_t matched_ = 0, filtered_ = 0;
    int64_t progress_total_ = 0;
    Steady::time_point started_;
    std::atomic<uint64_t> failed_{0};
    std::mutex error_mutex_;
    std::string first_error_;
};

}  // namespace

int run_replay(const std::vector<std::string>& args, CommandIo io) {
    auto options = replay_options();
    try {
        auto vm = parse_flags(args, options);
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        auto spec = parse_spec(vm, std::chrono::system_clock::now());
        return Replay(std::move(spec), kafka_properties(vm), io).run();
    } catch (...) {
        return report_failure("replay", options, io.err);
    }
}

}  // namespace courier::cli
