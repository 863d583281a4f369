// Resuming (PROTOCOL.md §7): the returning client's new session takes the parked one
// over, then replays what the client missed, or reports an explicit gap.
//
// The steps, in order (each awaits, so nothing live overtakes them):
//   find_parked_session -> ask_for_handover -> adopt -> restore_subscriptions ->
//   collect_the_tail -> replay_or_report_gap -> replay | report_gap
// Any step that finds nothing to resume opens a fresh session instead (recovered:false).

#include "actors/session/session_core.hpp"

namespace qc::session_detail {

namespace {

/// A resume that cannot go on: a fresh session that says it was not recovered.
constexpr std::optional<bool> not_recovered{false};

} // namespace

void session_core::find_parked_session(const protocol::recovery_request& rec) {
  auto resume = std::make_shared<resume_progress>();
  resume->offset = rec.offset;
  self_->request(p_.parked_sessions, caf::infinite, resume_atom::value, rec.pid)
    .await(
      [this, resume](const std::vector<caf::actor>& found) {
        if (found.empty()) { // unknown, or the window passed
          begin_fresh(not_recovered);
          return;
        }
        resume->old = found.front();
        ask_for_handover(resume);
      },
      [this](const caf::error&) { begin_fresh(not_recovered); });
}

void session_core::ask_for_handover(resume_ptr resume) {
  self_->request(resume->old, caf::infinite, handover_atom::value, who_.user_id,
                 who_.anonymous)
    .await([this, resume](handover_state& state) { adopt(std::move(state), resume); },
           [this](const caf::error&) { begin_fresh(not_recovered); });
}

void session_core::adopt(handover_state state, resume_ptr resume) {
  stats_.sid = state.sid;
  pid_ = state.pid;
  // The same user (hand_over checked); its roles are the new connection's, from the
  // token it just presented, and so is the token's expiry.
  auto roles = std::move(who_.roles);
  who_ = state.who;
  who_.roles = std::move(roles);
  stats_.user_id = who_.user_id;
  attached_ = saves(); // the dropped session's place at the persistence actor is ours now
  register_session();
  resume->frames = std::move(state.frames);
  resume->overrun = state.overrun;
  restore_subscriptions(state.rooms, state.streams,
                        [this, resume] { collect_the_tail(resume); }, true);
}

void session_core::collect_the_tail(resume_ptr resume) {
  self_->request(resume->old, caf::infinite, takeover_atom::value, restored_streams_)
    .await(
      [this, resume](const handover_state& tail) {
        resume->frames.insert(resume->frames.end(), tail.frames.begin(), tail.frames.end());
        resume->overrun = resume->overrun || tail.overrun;
        replay_or_report_gap(*resume);
      },
      [this, resume](const caf::error&) { replay_or_report_gap(*resume); });
}

void session_core::replay_or_report_gap(const resume_progress& resume) {
  const auto& frames = resume.frames;
  std::optional<std::size_t> from;
  if (!resume.offset) {
    if (!resume.overrun)
      from = 0;
  } else {
    for (std::size_t i = frames.size(); i-- > 0;)
      if (frames[i]->offset == *resume.offset) {
        from = i + 1;
        break;
      }
  }
  if (from)
    replay(frames, *from);
  else
    report_gap();
}

void session_core::replay(const std::vector<shared_frame>& frames, std::size_t from) {
  snapshots_.clear(); // the client has the data, and the replay brings the rest
  // What the client already has stays the replay context of the new connection.
  auto seen_end = frames.begin() + static_cast<std::ptrdiff_t>(from);
  if (auto conn = p_.conn.lock(); conn && from > 0)
    conn->remember(std::vector<shared_frame>(frames.begin(), seen_end));
  answer_connect(true);
  auto missed = std::make_shared<const std::vector<shared_frame>>(seen_end, frames.end());
  self_->send(p_.parked_sessions, recovered_atom::value, false,
              static_cast<std::uint64_t>(missed->size()));
  // then the live frames the new connection held
  write_paced(std::move(missed), 0, [this] { release_held_topics(); });
}

void session_core::report_gap() {
  pid_ = random_id(16); // restore_subscriptions listed the rooms and streams for connect_response
  self_->send(p_.parked_sessions, recovered_atom::value, true, std::uint64_t{0});
  if (!attached_) {
    answer_connect(false);
    send_restored_snapshots();
    return;
  }
  self_->request(p_.persistence, caf::infinite, offline_page_atom::value, who_.user_id,
                 std::int64_t{0}, static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user),
                 static_cast<std::uint64_t>(p_.cfg->limits.backlog_page_bytes))
    .await(
      [this](offline_batch& queued) {
        answer_connect(false);
        deliver_offline_queue(std::move(queued));
      },
      [this](const caf::error&) {
        answer_connect(false);
        send_restored_snapshots();
      });
}

} // namespace qc::session_detail
