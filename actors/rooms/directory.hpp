#pragma once
// The directory: room names to room actors, sessions by sid, connection counts by user.
//
// Every join and leave goes through the directory, which counts them in flight per
// room. A room reports its size after each one; a room that is empty with nothing in
// flight is forgotten and retired, so a join can never reach a room that is quitting.
//
// Its messages: directory_interface.hpp.

#include <memory>

#include "actors/durability/persistence_interface.hpp"
#include "actors/rooms/directory_interface.hpp"
#include "actors/settings.hpp"

namespace qc {

/// `persistence` (may be null) is stopped once every session has finished.
directory_actor::behavior_type directory_behavior(directory_actor::pointer self,
                                                 std::shared_ptr<const settings> cfg,
                                                 persistence_actor persistence);

} // namespace qc
