#pragma once
// A room: its members and the fan-out of messages to them. Spawned by the directory on
// first join; retires (with the directory's agreement) once empty.
//
// Messages:
//   (join_atom, member_info)                     -> join_reply; a sid already here
//                                                   (a recovered session) just gets
//                                                   its new actor, nobody is told
//   (leave_atom, sid)                            -> bool (tells the directory; after the
//                                                   answer nothing more goes to that sid)
//   (away_atom, sid)                             -> void: the member's connection dropped;
//                                                   the others hear room_member_left (and
//                                                   room_member_joined if it recovers), it
//                                                   still gets messages until it leaves
//   (publish_atom, shared_frame, audience)       -> void, fans out to members
//   (members_atom)                               -> std::vector<member_brief>
//   (get_stats_atom)                             -> room_stats
//   (retire_atom)                                -> quits if still empty

#include <string>

#include <caf/fwd.hpp>

namespace qc {

/// `replayable`: recovery is on, so membership news carries an offset.
caf::behavior room_actor(caf::event_based_actor* self, std::string name,
                         caf::actor directory, bool replayable);

} // namespace qc
