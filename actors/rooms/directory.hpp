#pragma once
// The directory: room names to room actors, sessions by sid, connection counts by user.
//
// Every join and leave goes through the directory, which counts them in flight per
// room. A room reports its size after each one; a room that is empty with nothing in
// flight is forgotten and retired, so a join can never reach a room that is quitting.
//
// Messages:
//   (register_atom, sid, user_id, session)        -> void; a known sid (a recovered
//                                                    session) just gets its new actor
//   (unregister_atom, sid)                        -> bool (true; once answered, nothing
//                                                    addressed to that user reaches the sid)
//   (join_atom, room, member_info)                -> join_reply (delegated to the room)
//   (leave_atom, room, sid)                       -> bool (delegated to the room: once
//                                                    answered, the room sends the sid nothing more)
//   (room_done_atom, room, members)               -> void (from rooms)
//   (list_rooms_atom)                             -> std::vector<room_brief>
//   (members_atom, room)                          -> std::vector<member_brief> (empty: no such room)
//   (publish_atom, room, shared_frame, audience)  -> uint32 (0 if no such room)
//   (publish_atom, user_id, shared_frame)         -> uint32 sessions reached (a dropped
//                                                    session waiting for recovery counts:
//                                                    it keeps the frame for its client)
//   (listing_atom)                                -> directory_listing
//   (shutdown_atom)                               -> closes every session; once they are
//                                                    gone (or after a grace period) tells
//                                                    the persistence actor to stop, quits

#include <memory>

#include <caf/fwd.hpp>

#include "actors/settings.hpp"

namespace qc {

/// `persistence` (may be null) is stopped once every session has finished.
caf::behavior directory_actor(caf::event_based_actor* self,
                              std::shared_ptr<const settings> cfg, caf::actor persistence);

} // namespace qc
