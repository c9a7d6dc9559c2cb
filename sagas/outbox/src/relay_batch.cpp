#include "relay_batch.hpp"

namespace courier::outbox::detail {

RelayBatch::RelayBatch(std::size_t lane, std::vector<Row> rows, std::shared_ptr<Wakeup> wakeup)
    : lane_(lane), rows_(std::move(rows)), wakeup_(std::move(wakeup)), pending_(rows_.size()) {
    state_.outcomes.assign(rows_.size(), Outcome::pending);
    state_.errors.resize(rows_.size());
}

void RelayBatch::mark_not_sent(std::size_t index, Error why) {
    std::lock_guard lock(mutex_);
    if (state_.outcomes[index] != Outcome::pending) return;
    state_.outcomes[index] = Outcome::not_sent;
    state_.errors[index] = std::move(why);
    --pending_;
}

broker::DeliveryCallback RelayBatch::callback_for(std::size_t index) {
    return [self = shared_from_this(), index](Result<broker::DeliveryReport> outcome) {
        self->complete(index, std::move(outcome));
    };
}

void RelayBatch::complete(std::size_t index, Result<broker::DeliveryReport> outcome) {
    std::lock_guard lock(mutex_);
    if (state_.outcomes[index] != Outcome::pending) return;  // exactly once, but be sure
    if (outcome) {
        state_.outcomes[index] = Outcome::acknowledged;
    } else {
        state_.outcomes[index] = Outcome::failed;
        state_.errors[index] = std::move(outcome).error();
    }
    --pending_;
    signal_if_done_locked();
}

void RelayBatch::seal() {
    std::lock_guard lock(mutex_);
    sealed_ = true;
    signal_if_done_locked();
}

void RelayBatch::signal_if_done_locked() {
    if (sealed_ && pending_ == 0 && !signalled_) {
        signalled_ = true;
        wakeup_->signal();
    }
}

bool RelayBatch::done() const {
    std::lock_guard lock(mutex_);
    return sealed_ && pending_ == 0;
}

RelayBatch::Outcome RelayBatch::outcome(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return state_.outcomes[index];
}

RelayBatch::State RelayBatch::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

}  // namespace courier::outbox::detail
