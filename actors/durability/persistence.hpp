#pragma once
// The persistence actor: the only writer of the database (storage/), on its own thread
// (SQLite blocks). It keeps users' saved subscriptions and their offline queues
// (PROTOCOL.md §7), and knows which users have a session (live, or dropped and waiting
// for recovery), so room messages are queued only for saved members who are away.
//
// Writes gather into one transaction until the mailbox is drained (or
// storage.flush-interval passes); requests that change data are answered only after
// their transaction committed, so whatever a client saw acknowledged survives kill -9.
//
// Messages (-> reply after commit where marked *):
//   (save_room_atom, user, room)                  -> bool *
//   (forget_room_atom, user, room)                -> bool *
//   (save_stream_atom, user, symbol, fields)      -> bool *
//   (forget_stream_atom, user, symbol)            -> bool *
//   (load_saved_atom, user)                       -> saved_state
//   (attach_atom, user, limit, max_bytes)         -> offline_batch (the user has a session
//                                                    more; the first page of its queue)
//   (detach_atom, user)                           -> void (one session fewer)
//   (offline_peek_atom, user, limit)              -> offline_batch
//   (offline_page_atom, user, after_id, limit, max_bytes)
//                                                 -> offline_batch (the page after after_id:
//                                                    at most limit, about max_bytes)
//   (offline_done_atom, user, ids)                -> void (written to the socket: remove)
//   (enqueue_atom, user, shared_frame)            -> uint32 queued * (a queueable frame;
//                                                    its id is stored once per user)
//   (room_offline_atom, room, shared_frame, target_user)
//                                                 -> uint32 queued * (for each user who
//                                                    saved the room and has no session)
//   (get_stats_atom)                              -> persistence_stats
//   (shutdown_atom)                               -> commits and quits

#include <memory>

#include <caf/fwd.hpp>

#include "actors/settings.hpp"

namespace qc {

/// Opens (and migrates) the database, then spawns the persistence actor (detached) on
/// it. Opening first means a bad data directory fails the start with a clear message
/// rather than the first write; it throws what opening throws (std::runtime_error,
/// SQLite::Exception, std::filesystem::filesystem_error).
caf::actor spawn_persistence(caf::actor_system& system, std::shared_ptr<const settings> cfg);

} // namespace qc
