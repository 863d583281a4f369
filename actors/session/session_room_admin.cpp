// Room roles and room administration (PROTOCOL-NOTES "Room roles"): the room role a
// session asks for when it joins, kick_member and set_member_role, and what the room
// tells a session about its own role or its removal. The room decides ranks (it knows
// the caller and the target); the session checks the permission (the policy).

#include "actors/session/session_core.hpp"

#include "protocol/rbac_policy.hpp"

namespace qc::session_detail {

member_info session_core::member_for(const std::string& room) const {
  // The default first: a token-less guest of auth.mode optional is room_guest; everyone
  // else room_member (in modes none/header the operator chose the default roles for
  // anonymous users too). The policy's g2 lines may give more, never less.
  bool guest = who_.anonymous && p_.cfg->auth.mode == auth_mode::optional;
  std::string role = guest ? "room_guest" : "room_member";
  auto authz = p_.access->authorizer();
  auto user = authz->names_role(who_.user_id) ? std::string{} : who_.user_id;
  auto from_policy = authz->static_room_role(user, who_.roles, "room:" + room);
  if (rbac::room_role_rank(from_policy) > rbac::room_role_rank(role))
    role = std::move(from_policy);
  return member_info{stats_.sid, who_.user_id, who_.roles, caf::actor_cast<caf::actor>(self_),
                     std::move(role)};
}

void session_core::handle(const protocol::kick_member_in& ev, const ack_token& ack) {
  auto it = rooms_.find(ev.room);
  if (it == rooms_.end()) {
    send_error("error", error_code::room_not_found, "not a member of room " + ev.room + "; subscribe first",
               ack);
    return;
  }
  if (!permits("room:" + ev.room, "kick_member")) {
    send_error("error", error_code::permission_denied, "kick_member needs the kick_member permission in room "
                                                         + ev.room,
               ack);
    return;
  }
  self_->request(it->second, caf::infinite, kick_atom::value,
                 kick_request{stats_.sid, who_.user_id, ev.user_id, ev.sid})
    .then(
      [this, room = ev.room, ack](const room_admin_reply& r) {
        if (!r.ok)
          send_error("error", r.code, r.error, ack);
        else
          send_reply("member_kicked", protocol::encode_member_kicked(room, r.user_id, r.sessions), ack);
      },
      [this, ack](const caf::error&) {
        send_error("error", error_code::service_unavailable, "room service unavailable", ack);
      });
}

void session_core::handle(const protocol::set_member_role_in& ev, const ack_token& ack) {
  auto it = rooms_.find(ev.room);
  if (it == rooms_.end()) {
    send_error("error", error_code::room_not_found, "not a member of room " + ev.room + "; subscribe first",
               ack);
    return;
  }
  if (!permits("room:" + ev.room, "set_member_role")) {
    send_error("error", error_code::permission_denied,
               "set_member_role needs the set_member_role permission in room " + ev.room, ack);
    return;
  }
  self_->request(it->second, caf::infinite, set_role_atom::value,
                 role_request{stats_.sid, who_.user_id, ev.user_id, ev.role})
    .then(
      [this, room = ev.room, ack](const room_admin_reply& r) {
        if (!r.ok)
          send_error("error", r.code, r.error, ack);
        else
          send_reply("member_role_set", protocol::encode_member_role_set(room, r.user_id, r.role), ack);
      },
      [this, ack](const caf::error&) {
        send_error("error", error_code::service_unavailable, "room service unavailable", ack);
      });
}

caf::message_handler session_core::room_admin_handlers() {
  auto core = owner_.lock();
  return {
    [core](kicked_atom, const std::string& room, const shared_frame& frame) { core->on_kicked(room, frame); },
    [core](role_changed_atom, const std::string& room, const std::string& role, const shared_frame& frame) {
      core->on_role_changed(room, role, frame);
    },
  };
}

void session_core::on_kicked(const std::string& room, const shared_frame& frame) {
  if (rooms_.erase(room) == 0)
    return; // left on its own before the kick arrived: nothing to tell or forget
  room_roles_.erase(room);
  // The room has let us go already; this leave only brings the directory's member
  // count up to date (the room reports its size after every leave it is sent).
  track(self_->request(p_.directory, departure_answer_timeout, leave_atom::value, room, stats_.sid));
  // Kicked means gone for good: a reconnect must not join it again.
  if (saves())
    self_->request(p_.persistence, caf::infinite, forget_room_atom::value, who_.user_id, room)
      .then([](bool) {},
            [room](const caf::error& err) {
              log_line("session", "forgetting kicked room " + room + " failed: " + caf::to_string(err));
            });
  on_deliver(frame);
}

void session_core::on_role_changed(const std::string& room, const std::string& role,
                                   const shared_frame& frame) {
  if (rooms_.contains(room))
    room_roles_[room] = role;
  on_deliver(frame);
}

} // namespace qc::session_detail
