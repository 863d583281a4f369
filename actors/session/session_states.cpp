// The session's states (session_state.hpp): the handler table of each, and the
// transitions that move between them.

#include "actors/session/session_core.hpp"

namespace qc::session_detail {

namespace {

/// A message with no handler in the current state cannot matter there: dropped without
/// a word. Not caf::drop: it answers even a plain send with an error, and an unhandled
/// error quits its receiver (often this session itself, for its own timers). A request
/// among them is answered with an error, so its sender does not wait.
caf::result<caf::message> drop_unhandled(caf::scheduled_actor* self, caf::message_view&) {
  if (self->current_mailbox_element()->mid.is_request())
    return caf::sec::unexpected_message;
  return caf::message{}; // an empty answer to a plain send is suppressed
}

} // namespace

// -- handler tables ------------------------------------------------------------------

caf::message_handler session_core::common_handlers() {
  auto core = owner_.lock();
  return caf::message_handler{
    [core](flush_atom) { core->on_flush_message(); },
    [core](get_stats_atom) { return core->stats(); },
    // Only a parked session hands itself over (its own table answers first).
    [](handover_atom, const std::string&, bool) -> caf::result<handover_state> {
      return caf::make_error(caf::sec::invalid_argument, "session is not waiting for recovery");
    },
  }.or_else(room_admin_handlers()); // a kick or a role change reaches a session in any state
}

// While the socket is open: its frames, its close, the heartbeat and the deadlines.
caf::message_handler session_core::connection_handlers() {
  auto core = owner_.lock();
  return socket_handlers(core).or_else(caf::message_handler{
    [core](ws_closed_atom, const std::string& reason, const closed_state& state) {
      core->on_closed(reason, state);
    },
    [core](incomplete_due_atom, std::uint64_t packet) { core->on_incomplete_due(packet); },
    [core](shutdown_atom) { core->on_shutdown(); },
  });
}

caf::behavior session_core::behavior_of(session_state state) {
  auto core = owner_.lock();
  switch (state) {
    case session_state::awaiting_connect:
      return caf::message_handler{
        [core](connect_due_atom) { core->on_connect_due(); },
      }
        .or_else(connection_handlers())
        .or_else(common_handlers());
    case session_state::opening:
      // Room and stream packets are not the client's yet; its steps await, so they
      // wait in the mailbox until connect_response is written.
      return connection_handlers().or_else(common_handlers());
    case session_state::live:
      return caf::message_handler{
        // The hot path first: a room packet, and the flush that batches its write.
        [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
        [core](token_due_atom, std::uint64_t arming) { core->on_token_due(arming); },
      }
        .or_else(common_handlers())
        .or_else(connection_handlers());
    case session_state::departed:
      return caf::message_handler{
        [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
      }
        .or_else(connection_handlers())
        .or_else(common_handlers());
    case session_state::parked:
      return caf::message_handler{
        [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
        [core](window_due_atom) { core->on_window_due(); },
        [core](handover_atom, const std::string& user, bool anonymous) {
          return core->hand_over(user, anonymous);
        },
        [core](shutdown_atom) { // what the user is owed goes offline before we stop
          core->resumable_ = false;
          core->expire();
        },
      }
        .or_else(common_handlers());
    case session_state::handing_over:
      // Waits for the new session's takeover whatever else happens (shutdown too):
      // the rooms and streams are the new session's now.
      return caf::message_handler{
        [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
        [core](detached_atom, const std::string& symbol) { core->on_detached(symbol); },
        [core](takeover_atom, std::vector<std::string>& symbols) {
          return core->take_over(std::move(symbols));
        },
        [core](detach_due_atom) { core->on_detach_due(); },
      }
        .or_else(common_handlers());
    case session_state::closing:
      return caf::message_handler{
        [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
        // The socket may still pass on what it read: flow control only.
        [core](ws_text_atom, const std::string&) { core->consumed(); },
        [core](ws_binary_atom, const std::string&) { core->consumed(); },
      }
        .or_else(common_handlers());
  }
  return {};
}

void session_core::enter(session_state next) {
  state_ = next;
  self_->become(behavior_of(next));
}

// -- transitions ---------------------------------------------------------------------

caf::behavior session_core::start(std::shared_ptr<session_core> self_owned) {
  owner_ = self_owned;
  self_->set_default_handler(drop_unhandled);
  if (p_.transport == transport_kind::json) {
    // /ws has no namespace handshake: the connection is the session.
    // Refused: an `error` event with the code, then close 1008 (PROTOCOL.md §2).
    if (auto refused = decide_identity(nullptr)) {
      send_error("error", refused->code, refused->message, {});
      close(close_code::policy_violation, refused->message);
    } else {
      open_session(protocol::recovery_from_query(p_.upgrade.resume, p_.upgrade.resume_offset));
    }
  } else {
    send_raw(heartbeat_.open(true));
  }
  // The init function's result replaces what enter() installed meanwhile.
  return behavior_of(state_);
}

void session_core::on_closed(const std::string& reason, const closed_state& state) {
  if (!connection_closed_) {
    connection_closed_ = true;
    stats_.messages_out += state.direct_frames;
  }
  if (state_ == session_state::closing || is_parked())
    return;
  // A /ws client's close frame is a deliberate goodbye; a Socket.IO client says
  // goodbye with a DISCONNECT packet first, and its bare close is a transport close
  // (what socket.io-client's engine.close() does), which the official server recovers.
  if (reason == "client closed" && p_.transport == transport_kind::json)
    resumable_ = false;
  if (can_park())
    park(state.kept);
  else
    finish();
}

void session_core::on_shutdown() {
  resumable_ = false;
  close(close_code::going_away, "server shutting down");
}

void session_core::close(close_code code, std::string reason, bool resumable) {
  flush(); // what was said before the close goes out before it
  if (!resumable)
    resumable_ = false;
  if (auto conn = p_.conn.lock()) {
    conn->close(code, reason);
    if (can_park())
      return; // its closed message brings the frames it kept, and we park then
  }
  on_closed(reason, closed_state{}); // nothing kept to hand over
}

void session_core::say_goodbye() {
  leave_everything();
  enter(session_state::departed);
}

void session_core::leave_everything() {
  if (attached_) {
    self_->send(p_.persistence, detach_atom::value, who_.user_id);
    attached_ = false;
  }
  for (auto& [name, room] : rooms_)
    track(self_->request(p_.directory, departure_answer_timeout, leave_atom::value, name,
                         stats_.sid));
  rooms_.clear();
  room_roles_.clear();
  for (auto& [symbol, fields] : streams_)
    self_->send(p_.market, stream_unsub_atom::value, symbol, stats_.sid);
  streams_.clear();
}

void session_core::finish() {
  if (state_ == session_state::closing)
    return;
  bool left = state_ == session_state::departed;
  enter(session_state::closing);
  if (!left)
    leave_everything();
  if (registered_)
    track(self_->request(p_.directory, departure_answer_timeout, unregister_atom::value,
                         stats_.sid));
  if (unanswered_ == 0)
    self_->quit();
}

} // namespace qc::session_detail

namespace qc {

caf::behavior session_actor(caf::event_based_actor* self, session_params params) {
  auto core = std::make_shared<session_detail::session_core>(self, std::move(params));
  return core->start(core);
}

} // namespace qc
