#pragma once
// What a room actor (room.hpp) takes and answers, and its answer to a join.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "protocol/error_codes.hpp"

namespace qc {

struct join_reply;

using room_actor = caf::typed_actor<
  // a member joins; a sid already here (a recovered session) just gets its new actor,
  // and nobody is told
  caf::replies_to<join_atom, member_info>::with<join_reply>,
  // (sid) leaves; tells the directory; after the answer nothing more goes to that sid
  caf::replies_to<leave_atom, std::string>::with<bool>,
  // (sid): the member's connection dropped; the others hear room_member_left (and
  // room_member_joined if it recovers), it still gets messages until it leaves
  caf::reacts_to<away_atom, std::string>,
  // fans a frame out to the members the audience picks
  caf::reacts_to<publish_atom, shared_frame, audience>,
  // the members present
  caf::replies_to<members_atom>::with<std::vector<member_brief>>,
  caf::replies_to<get_stats_atom>::with<room_stats>,
  // kick_member: every session of the target user leaves, each told (kicked_atom,
  // room, frame), the rest see room_member_left with "reason":"kicked"
  caf::replies_to<kick_atom, kick_request>::with<room_admin_reply>,
  // set_member_role: stored for the user; its sessions are told (role_changed_atom,
  // room, role, frame), every other member gets the frame
  caf::replies_to<set_role_atom, role_request>::with<room_admin_reply>,
  // from the directory: quit if still empty
  caf::reacts_to<retire_atom>>;

/// The room's answer to a join (the directory answers for it when it refuses one).
struct join_reply {
  bool ok = false;
  room_actor room;            // send room messages here while a member
  std::uint32_t members = 0;  // members after the join
  std::string room_role;      // the room role granted ("room_member", ...), when ok
  protocol::error_code code = protocol::error_code::subscription_failed; // when !ok
  std::string error;          // why not, when !ok
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("join_reply"), x.ok, x.room, x.members, x.room_role, x.code,
           x.error);
}

} // namespace qc
