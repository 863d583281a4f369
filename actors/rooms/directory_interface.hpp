#pragma once
// What the directory actor (directory.hpp) takes and answers, and what it tells the
// stats actor.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "actors/rooms/room_interface.hpp"

namespace qc {

/// Everything the directory knows, for the stats actor to ask further.
struct directory_listing {
  std::vector<caf::actor> sessions;
  std::vector<room_actor> rooms;
  std::uint64_t total_users = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;
  std::uint64_t rooms_created = 0;
  std::uint64_t rooms_retired = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_listing& x) {
  return f(caf::meta::type_name("directory_listing"), x.sessions, x.rooms, x.total_users,
           x.connections_opened, x.connections_closed, x.rooms_created, x.rooms_retired);
}

using directory_actor = caf::typed_actor<
  // (sid, user_id, session); a known sid (a recovered session) just gets its new actor
  caf::reacts_to<register_atom, std::string, std::string, caf::actor>,
  // (sid): true; once answered, nothing addressed to that user reaches the sid
  caf::replies_to<unregister_atom, std::string>::with<bool>,
  // (room, member): delegated to the room, spawned on first join
  caf::replies_to<join_atom, std::string, member_info>::with<join_reply>,
  // (room, sid): delegated to the room; once answered, the room sends the sid nothing more
  caf::replies_to<leave_atom, std::string, std::string>::with<bool>,
  // from a room after each join and leave: (room, members); retires it when empty
  caf::reacts_to<room_done_atom, std::string, std::uint32_t>,
  caf::replies_to<list_rooms_atom>::with<std::vector<room_brief>>,
  // (room): its members; empty when there is no such room
  caf::replies_to<members_atom, std::string>::with<std::vector<member_brief>>,
  // (room, frame, audience): the room's member count; 0 when there is no such room
  caf::replies_to<publish_atom, std::string, shared_frame, audience>::with<std::uint32_t>,
  // (user_id, frame): sessions reached (a dropped session waiting for recovery counts:
  // it keeps the frame for its client)
  caf::replies_to<publish_atom, std::string, shared_frame>::with<std::uint32_t>,
  caf::replies_to<listing_atom>::with<directory_listing>,
  // closes every session; once they are gone (or after a grace period, when it comes
  // again from the directory itself) tells the persistence actor to stop, quits
  caf::reacts_to<shutdown_atom>>;

} // namespace qc
