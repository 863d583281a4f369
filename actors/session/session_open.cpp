#include "actors/session/session_core.hpp"

#include <algorithm>

#include "actors/net/drain_gate.hpp"

namespace qc::session_detail {

// -- opening: fresh, restored or recovered (PROTOCOL.md §7) ----------------------------

void session_core::open_session(std::optional<protocol::recovery_request> rec) {
  opening_ = true;
  if (rec && recovery_on()) {
    try_resume(*rec);
    return;
  }
  begin_fresh(rec.has_value());
}

void session_core::begin_fresh(bool asked_to_recover) {
  if (recovery_on())
    pid_ = random_id(16);
  register_session();
  std::optional<bool> recovered;
  if (asked_to_recover)
    recovered = false;
  if (!saves()) {
    announce(recovered);
    return;
  }
  self_->request(p_.persistence, caf::infinite, load_saved_atom::value, who_.user_id)
    .await(
      [this, recovered](const saved_state& saved) {
        restore(saved.rooms, saved.streams, [this, recovered] { attach_and_announce(recovered); });
      },
      [this, recovered](const caf::error& err) {
        log_line("session", "loading saved subscriptions failed: " + caf::to_string(err));
        attach_and_announce(recovered);
      });
}

void session_core::attach_and_announce(std::optional<bool> recovered) {
  self_->request(p_.persistence, caf::infinite, attach_atom::value, who_.user_id,
                 static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user),
                 static_cast<std::uint64_t>(p_.cfg->limits.backlog_page_bytes))
    .await(
      [this, recovered](offline_batch& queued) {
        attached_ = true;
        announce(recovered);
        deliver_offline(std::move(queued), [this] { release_snapshots(); });
      },
      [this, recovered](const caf::error& err) {
        log_line("session", "reading the offline queue failed: " + caf::to_string(err));
        announce(recovered);
        release_snapshots();
      });
}

void session_core::announce(std::optional<bool> recovered) {
  if (p_.transport == transport_kind::socketio)
    send_raw(protocol::frame_sio_connect(
      stats_.sid, pid_.empty() ? std::nullopt : std::optional<std::string>(pid_)));
  protocol::connect_info info;
  info.sid = stats_.sid;
  info.user_id = who_.user_id;
  info.roles = who_.roles;
  info.server_time_ms = now_ms();
  if (!restored_rooms_.empty() || !restored_streams_.empty()) {
    std::sort(restored_rooms_.begin(), restored_rooms_.end());
    std::sort(restored_streams_.begin(), restored_streams_.end());
    info.restored_json = protocol::encode_restored(restored_rooms_, restored_streams_);
  }
  if (p_.transport == transport_kind::json && !pid_.empty())
    info.resume_token = pid_;
  info.recovered = recovered;
  send_event("connect_response", protocol::encode_connect_response(info));
  restored_rooms_.clear();
  restored_streams_.clear();
  connected_ = true;
  opening_ = false;
}

void session_core::release_snapshots() {
  auto snapshots = std::make_shared<const std::vector<shared_frame>>(std::move(snapshots_));
  snapshots_.clear();
  write_paced(std::move(snapshots), 0, [this] { release_held_topics(); });
}

void session_core::release_held_topics() {
  for (auto& topic : held_topics_)
    release(topic);
  held_topics_.clear();
}

void session_core::deliver_offline(offline_batch page, std::function<void()> done) {
  if (page.empty()) {
    done();
    return;
  }
  std::vector<std::int64_t> ids;
  ids.reserve(page.size());
  for (auto& m : page) {
    send_event(m.event, protocol::with_offline_flag(m.payload));
    ids.push_back(m.id);
  }
  auto last = ids.back();
  remove_when_written(std::move(ids));
  // The next page is read after this one is written: by id, so it does not matter
  // whether the removal of this one has reached the store yet.
  after_written(
    [this, last, done] {
      self_->request(p_.persistence, caf::infinite, offline_page_atom::value, who_.user_id, last,
                     static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user),
                     static_cast<std::uint64_t>(p_.cfg->limits.backlog_page_bytes))
        .await([this, done](offline_batch& next) { deliver_offline(std::move(next), done); },
               [done](const caf::error& err) {
                 log_line("session", "reading the offline queue failed: " + caf::to_string(err));
                 done();
               });
    },
    [] {}); // the rest stays queued for the client's next connection
}

void session_core::write_paced(std::shared_ptr<const std::vector<shared_frame>> frames,
                               std::size_t from, std::function<void()> done) {
  std::size_t page = 0;
  while (from < frames->size() && page < p_.cfg->limits.backlog_page_bytes) {
    const auto& frame = (*frames)[from++];
    page += p_.transport == transport_kind::socketio ? frame->socketio.size() : frame->json.size();
    on_deliver(frame);
  }
  if (from == frames->size()) {
    done();
    return;
  }
  after_written([this, frames, from, done] { write_paced(frames, from, done); },
                [this, frames, from] {
                  for (auto i = from; i < frames->size(); ++i)
                    on_deliver((*frames)[i]);
                });
}

void session_core::after_written(std::function<void()> then, std::function<void()> stop) {
  flush();
  auto conn = p_.conn.lock();
  if (!conn) {
    stop();
    return;
  }
  auto deadline = p_.cfg->limits.backlog_drain_timeout;
  auto gate = self_->spawn(drain_gate, deadline + std::chrono::seconds(1));
  conn->when_written([gate] { caf::anon_send(gate, written_atom::value, true); },
                     [gate] { caf::anon_send(gate, written_atom::value, false); });
  self_->request(gate, deadline, drain_wait_atom::value)
    .await(
      [then, stop](bool written) {
        if (written)
          then();
        else
          stop();
      },
      [this, stop](const caf::error&) { // the gate goes by itself a little later
        log_line("session", "a client did not read its backlog in time: slow consumer");
        stop();
        close(close_code::policy_violation, "slow consumer", true);
      });
}

void session_core::remove_when_written(std::vector<std::int64_t> ids) {
  flush();
  if (auto conn = p_.conn.lock())
    conn->when_written([persistence = p_.persistence, user = who_.user_id,
                        ids = std::move(ids)]() mutable {
      caf::anon_send(persistence, offline_done_atom::value, user, std::move(ids));
    });
}

// -- recovery: the new session's side --------------------------------------------

void session_core::try_resume(const protocol::recovery_request& rec) {
  auto offset = rec.offset;
  self_->request(p_.parked_sessions, caf::infinite, resume_atom::value, rec.pid)
    .await(
      [this, offset](const std::vector<caf::actor>& found) {
        if (found.empty()) { // unknown, or the window passed
          begin_fresh(true);
          return;
        }
        auto old = found.front();
        self_->request(old, caf::infinite, handover_atom::value, who_.user_id, who_.anonymous)
          .await(
            [this, old, offset](handover_state& state) { adopt(std::move(state), old, offset); },
            [this](const caf::error&) { begin_fresh(true); });
      },
      [this](const caf::error&) { begin_fresh(true); });
}

void session_core::adopt(handover_state state, caf::actor old, std::optional<std::string> offset) {
  stats_.sid = state.sid;
  pid_ = state.pid;
  who_ = state.who;
  stats_.user_id = who_.user_id;
  attached_ = saves(); // the dropped session's place at the persistence actor is ours now
  register_session();
  auto frames = std::make_shared<std::vector<shared_frame>>(std::move(state.frames));
  bool overrun = state.overrun;
  restore(state.rooms, state.streams, [this, old, offset, frames, overrun] {
    // The old session answers once every stream we took over has stopped sending to
    // it, so its answer holds every frame that went its way.
    self_->request(old, caf::infinite, takeover_atom::value, restored_streams_)
      .await(
        [this, offset, frames, overrun](const handover_state& tail) {
          frames->insert(frames->end(), tail.frames.begin(), tail.frames.end());
          replay_or_report_gap(*frames, offset, overrun || tail.overrun);
        },
        [this, offset, frames, overrun](const caf::error&) {
          replay_or_report_gap(*frames, offset, overrun);
        });
  });
}

void session_core::replay_or_report_gap(const std::vector<shared_frame>& frames,
                                        const std::optional<std::string>& offset, bool overrun) {
  std::optional<std::size_t> from;
  if (!offset) {
    if (!overrun)
      from = 0;
  } else {
    for (std::size_t i = frames.size(); i-- > 0;)
      if (frames[i]->offset == *offset) {
        from = i + 1;
        break;
      }
  }
  if (from) {
    snapshots_.clear(); // the client has the data, and the replay brings the rest
    // What the client already has stays the replay context of the new connection.
    if (auto conn = p_.conn.lock(); conn && *from > 0)
      conn->remember(std::vector<shared_frame>(frames.begin(),
                                               frames.begin() + static_cast<std::ptrdiff_t>(*from)));
    announce(true);
    auto missed = std::make_shared<const std::vector<shared_frame>>(
      frames.begin() + static_cast<std::ptrdiff_t>(*from), frames.end());
    self_->send(p_.parked_sessions, recovered_atom::value, false,
                static_cast<std::uint64_t>(missed->size()));
    // then the live frames the new connection held
    write_paced(std::move(missed), 0, [this] { release_held_topics(); });
    return;
  }
  pid_ = random_id(16); // restore() listed the rooms and streams for connect_response
  self_->send(p_.parked_sessions, recovered_atom::value, true, std::uint64_t{0});
  if (!attached_) {
    announce(false);
    release_snapshots();
    return;
  }
  self_->request(p_.persistence, caf::infinite, offline_page_atom::value, who_.user_id,
                 std::int64_t{0}, static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user),
                 static_cast<std::uint64_t>(p_.cfg->limits.backlog_page_bytes))
    .await(
      [this](offline_batch& queued) {
        announce(false);
        deliver_offline(std::move(queued), [this] { release_snapshots(); });
      },
      [this](const caf::error&) {
        announce(false);
        release_snapshots();
      });
}

} // namespace qc::session_detail
