#pragma once
// A room: its members and the fan-out of messages to them. Spawned by the directory on
// first join; retires (with the directory's agreement) once empty. Its messages:
// room_interface.hpp.

#include <string>

#include "actors/rooms/directory_interface.hpp"
#include "actors/rooms/room_interface.hpp"

namespace qc {

/// `replayable`: recovery is on, so membership news carries an offset.
room_actor::behavior_type room_behavior(room_actor::pointer self, std::string name,
                                        directory_actor directory, bool replayable);

} // namespace qc
