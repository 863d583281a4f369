#pragma once
// A room: its members and the fan-out of messages to them. Spawned by the directory on
// first join; retires (with the directory's agreement) once empty. Its messages:
// room_interface.hpp.

#include <cstddef>
#include <string>

#include "actors/rooms/directory_interface.hpp"
#include "actors/rooms/room_interface.hpp"

namespace qc {

/// `replayable`: recovery is on, so membership news carries an offset.
/// `max_role_grants`: room roles from set_member_role kept (limits.max-room-role-grants).
room_actor::behavior_type room_behavior(room_actor::pointer self, std::string name,
                                        directory_actor directory, bool replayable,
                                        std::size_t max_role_grants);

} // namespace qc
