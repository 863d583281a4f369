#pragma once
// A room: its members and the fan-out of messages to them. Spawned by the directory on
// first join; retires (with the directory's agreement) once empty.
//
// Messages:
//   (join_atom, member_info)                     -> join_reply
//   (leave_atom, sid)                            -> void (tells the directory)
//   (publish_atom, shared_frame, audience)       -> void, fans out to members
//   (members_atom)                               -> std::vector<member_brief>
//   (get_stats_atom)                             -> room_stats
//   (retire_atom)                                -> quits if still empty

#include <string>

#include <caf/fwd.hpp>

namespace qc {

caf::behavior room_actor(caf::event_based_actor* self, std::string name,
                         caf::actor directory);

} // namespace qc
