#pragma once
// The persistence actor: the only writer of the database (storage/), on its own thread
// (SQLite blocks). It keeps users' saved subscriptions and their offline queues
// (PROTOCOL.md §7), and knows which users have a session (live, or dropped and waiting
// for recovery), so room messages are queued only for saved members who are away.
//
// Writes gather into one transaction until the mailbox is drained (or
// storage.flush-interval passes); requests that change data are answered only after
// their transaction committed, so whatever a client saw acknowledged survives kill -9.
// Its messages: persistence_interface.hpp.

#include <memory>

#include <caf/fwd.hpp>

#include "actors/durability/persistence_interface.hpp"
#include "actors/settings.hpp"

namespace qc {

/// Opens (and migrates) the database, then spawns the persistence actor (detached) on
/// it. Opening first means a bad data directory fails the start with a clear message
/// rather than the first write; it throws what opening throws (std::runtime_error,
/// SQLite::Exception, std::filesystem::filesystem_error).
persistence_actor spawn_persistence(caf::actor_system& system, std::shared_ptr<const settings> cfg);

} // namespace qc
