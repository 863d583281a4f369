#include "actors/session_core.hpp"

#include <algorithm>

namespace qc::session_detail {

// -- recovery: the dropped session's side ----------------------------------------

bool session_core::can_park() const {
  return recovery_on() && resumable_ && connected_ && !pid_.empty();
}

void session_core::park() {
  parked_ = true;
  parked_at_ = kept_.pushed();
  outbox_.clear();
  p_.conn.reset();
  for (auto& [name, room] : rooms_) // presence: the others see us leave now
    self_->send(room, away_atom::value, stats_.sid);
  self_->request(p_.supervisor, caf::infinite, park_atom::value, pid_,
                 caf::actor_cast<caf::actor>(self_))
    .then(
      [this](bool accepted) {
        if (!accepted) // too many wait already
          expire();
      },
      [this](const caf::error&) { expire(); });
  self_->delayed_send(self_, p_.cfg->recovery.window, window_due_atom::value);
}

void session_core::on_window_due() {
  if (!parked_ || handed_over_ || finished_)
    return;
  self_->send(p_.supervisor, unpark_atom::value, pid_);
  expire();
}

void session_core::expire() {
  if (finished_)
    return;
  auto oldest = kept_.pushed() - kept_.size(); // number of kept_[0]
  for (std::size_t i = 0; i < kept_.size(); ++i)
    if (oldest + i >= parked_at_)
      queue_offline(kept_[i]);
  finish();
}

void session_core::queue_offline(const shared_frame& frame) {
  if (!frame->queueable() || !saves())
    return;
  self_->request(p_.persistence, caf::infinite, enqueue_atom::value, who_.user_id, frame)
    .then([](std::uint32_t) {},
          [](const caf::error& err) {
            log_line("session", "queueing an offline message failed: " + caf::to_string(err));
          });
}

void session_core::keep(const shared_frame& frame) {
  auto bound = parked_ ? p_.cfg->recovery.parked_packets : p_.cfg->recovery.inflight_packets;
  kept_.push(frame, bound, [this](shared_frame&& evicted, std::uint64_t number) {
    if (parked_ && number >= parked_at_)
      queue_offline(evicted);
  });
}

caf::result<handover_state> session_core::hand_over(const std::string& user, bool anonymous) {
  if (!parked_ || handed_over_ || finished_)
    return caf::make_error(caf::sec::invalid_argument, "session is not waiting for recovery");
  // A guest's pid is its only credential; an identified user's must match too.
  if (!who_.anonymous && (anonymous || user != who_.user_id))
    return caf::make_error(caf::sec::invalid_argument, "session belongs to another user");
  handed_over_ = true;
  handover_state state;
  state.sid = stats_.sid;
  state.pid = pid_;
  state.who = who_;
  for (auto& [room, actor] : rooms_)
    state.rooms.push_back(room);
  for (auto& [symbol, fields] : streams_)
    state.streams.emplace_back(symbol, fields);
  state.overrun = kept_.overrun();
  state.frames = kept_.take();
  return state;
}

handover_state session_core::take_over() {
  handover_state tail;
  tail.overrun = kept_.overrun();
  tail.frames = kept_.take();
  finished_ = true;
  self_->quit();
  return tail;
}

} // namespace qc::session_detail
