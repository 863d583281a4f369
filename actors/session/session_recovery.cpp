// The dropped side of recovery (PROTOCOL.md §7): a session whose connection dropped
// parks (keeps its rooms and streams and what arrives), then either hands itself over
// to its client's new session (session_resume.cpp) or expires into the offline queue.

#include "actors/session/session_core.hpp"

#include <algorithm>

namespace qc::session_detail {

bool session_core::can_park() const {
  return recovery_on() && resumable_ && state_ == session_state::live && !pid_.empty();
}

void session_core::park(const std::vector<shared_frame>& kept) {
  // The connection kept what it was given, in the order given: our replay context.
  // What is still in the outbox goes the same way (the closed connection sends the
  // replayable frames back, behind any it still had), so the order holds.
  for (const auto& frame : kept)
    keep(frame);
  parked_at_ = kept_.pushed();
  enter(session_state::parked);
  fit_budget();
  if (auto conn = p_.conn.lock()) // alive until the outbox is handed over
    flush();
  else
    for (auto& out : outbox_) // the connection is gone: nothing of it can arrive later
      if (out.source && !out.source->offset.empty())
        keep(shared_frame(out.bytes, out.source));
  outbox_.clear();
  p_.conn.reset();
  for (auto& [name, room] : rooms_) // presence: the others see us leave now
    self_->send(room, away_atom::value, stats_.sid);
  self_->request(p_.parked_sessions, caf::infinite, park_atom::value, pid_,
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
  self_->send(p_.parked_sessions, unpark_atom::value, pid_);
  expire();
}

void session_core::expire() {
  if (state_ == session_state::closing)
    return;
  auto oldest = kept_.pushed() - kept_.size(); // number of kept_[0]
  for (std::size_t i = 0; i < kept_.size(); ++i)
    if (oldest + i >= parked_at_)
      queue_offline(kept_[i]);
  kept_.take();
  parked_charge_.charge(0);
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
  auto& rec = p_.cfg->recovery;
  if (!is_parked()) { // park() passing on what the connection kept
    kept_.push(frame, rec.inflight_packets, rec.inflight_bytes, on_evicted());
    return;
  }
  kept_.push(frame, rec.parked_packets, rec.parked_bytes, on_evicted());
  fit_budget();
}

// Past the broker-wide budget a parked session does not grow: a new packet pushes out
// its own oldest (a gap for its client), and nobody else's.
void session_core::fit_budget() {
  while (!parked_charge_.charge(kept_.bytes()))
    kept_.drop_oldest(on_evicted()); // charge(0) always fits, so this ends
}

caf::result<handover_state> session_core::hand_over(const std::string& user, bool anonymous) {
  // A guest's pid is its only credential; an identified user's must match too, and a
  // new connection decided its identity (its token, or header) before it asked. A guest
  // session is not an identified user's to take, nor the other way round.
  if (anonymous != who_.anonymous || (!anonymous && user != who_.user_id)) {
    // The registry gave our pid away with the question: take it back, so the real
    // client can still return within the window.
    self_->request(p_.parked_sessions, caf::infinite, park_atom::value, pid_,
                   caf::actor_cast<caf::actor>(self_))
      .then(
        [this](bool accepted) {
          if (!accepted) // too many wait already: as in park()
            expire();
        },
        [this](const caf::error&) { expire(); });
    return caf::make_error(caf::sec::invalid_argument, "session belongs to another user");
  }
  enter(session_state::handing_over);
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
  parked_charge_.charge(0); // the new session holds them now, as a live connection
  return state;
}

caf::result<handover_state> session_core::take_over(std::vector<std::string> symbols) {
  for (auto& symbol : symbols)
    if (std::find(detached_.begin(), detached_.end(), symbol) == detached_.end())
      awaiting_detach_.push_back(std::move(symbol));
  if (awaiting_detach_.empty()) {
    auto tail = last_of_kept();
    self_->quit();
    return tail;
  }
  takeover_answer_ = self_->make_response_promise<handover_state>();
  self_->delayed_send(self_, detach_within, detach_due_atom::value);
  return *takeover_answer_;
}

void session_core::on_detached(const std::string& symbol) {
  detached_.push_back(symbol);
  auto it = std::find(awaiting_detach_.begin(), awaiting_detach_.end(), symbol);
  if (it == awaiting_detach_.end())
    return;
  awaiting_detach_.erase(it);
  if (awaiting_detach_.empty() && takeover_answer_)
    finish_takeover();
}

void session_core::on_detach_due() {
  if (!takeover_answer_)
    return;
  log_line("session", "handing over without " + std::to_string(awaiting_detach_.size())
                        + " stream(s) confirming the move");
  finish_takeover();
}

handover_state session_core::last_of_kept() {
  handover_state tail;
  tail.overrun = kept_.overrun();
  tail.frames = kept_.take();
  parked_charge_.charge(0);
  return tail; // the caller quits
}

void session_core::finish_takeover() {
  takeover_answer_->deliver(last_of_kept());
  takeover_answer_.reset();
  self_->quit();
}

} // namespace qc::session_detail
