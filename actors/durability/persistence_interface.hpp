#pragma once
// What the persistence actor (persistence.hpp) takes and answers. Marked *: answered
// only after the write's transaction committed.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"

namespace qc {

using persistence_actor = caf::typed_actor<
  // (user, room) *
  caf::replies_to<save_room_atom, std::string, std::string>::with<bool>,
  // (user, room) *
  caf::replies_to<forget_room_atom, std::string, std::string>::with<bool>,
  // (user, symbol, fields) *
  caf::replies_to<save_stream_atom, std::string, std::string, std::vector<std::string>>::with<bool>,
  // (user, symbol) *
  caf::replies_to<forget_stream_atom, std::string, std::string>::with<bool>,
  // (user): the saved rooms and streams
  caf::replies_to<load_saved_atom, std::string>::with<saved_state>,
  // (user, limit, max_bytes): the user has one session more; the first page of its queue
  caf::replies_to<attach_atom, std::string, std::uint32_t, std::uint64_t>::with<offline_batch>,
  // (user): one session fewer
  caf::reacts_to<detach_atom, std::string>,
  // (user, limit)
  caf::replies_to<offline_peek_atom, std::string, std::uint32_t>::with<offline_batch>,
  // (user, after_id, limit, max_bytes): the page after after_id, at most limit, about max_bytes
  caf::replies_to<offline_page_atom, std::string, std::int64_t, std::uint32_t,
                  std::uint64_t>::with<offline_batch>,
  // (user, ids): written to the socket, remove them
  caf::reacts_to<offline_done_atom, std::string, std::vector<std::int64_t>>,
  // (user, queueable frame): queued count * (its id is stored once per user)
  caf::replies_to<enqueue_atom, std::string, shared_frame>::with<std::uint32_t>,
  // (room, frame, target_user or ""): queued count * for each user who saved the room
  // and has no session
  caf::replies_to<room_offline_atom, std::string, shared_frame, std::string>::with<std::uint32_t>,
  // its own: end the gathered transaction now
  caf::reacts_to<commit_atom>,
  // its own, hourly: delete expired offline messages
  caf::reacts_to<purge_atom>,
  caf::replies_to<get_stats_atom>::with<persistence_stats>,
  // commits and quits
  caf::reacts_to<shutdown_atom>>;

} // namespace qc
