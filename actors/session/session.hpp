#pragma once
// One session actor per WebSocket connection: the protocol state of that connection
// (Engine.IO heartbeat, Socket.IO namespace and acks, or the plain-JSON codec), its
// identity, its rooms, and its statistics. It turns client events into messages to
// the directory and rooms, and frames from them into writes on its connection.
//
// Messages:
//   (ws_text_atom, text) / (ws_binary_atom, bytes)                            socket
//   (ws_closed_atom, reason, closed_state)    the socket is gone; the frames it kept
//   (deliver_atom, shared_frame)              room packets; stream ticks only when the
//                                             connection cannot take them from its I/O
//                                             shard, or a closed one passes them back
//   (get_stats_atom)                          -> connection_stats
//   (kicked_atom, room, frame)                a room removed it (kick_member): it
//                                             forgets the room, live and saved
//   (role_changed_atom, room, role, frame)    its room role there changed
//   (shutdown_atom)                           closes with 1001 going away, quits
//   (handover_atom, user_id, anonymous)       -> handover_state (a dropped session hands
//                                                itself to its client's new session)
//   (takeover_atom, symbols)                  -> handover_state (packets since the
//                                                handover, once each stream in `symbols`
//                                                said detached); then quits without leaving
//   (detached_atom, symbol)                   that stream now delivers to the new session
//   (detach_due_atom)                         stop waiting for detached
//   (window_due_atom)                         the recovery window of a dropped session
//
// Stream ticks skip the actor: a stream posts each tick once per I/O shard and the
// shard hands it to the connections there (actors/net/fanout.hpp). The session still
// orders what its client sees: a new subscription's frames wait at the connection
// until the session has written the reply and the snapshot and releases them.
//
// Recovery (PROTOCOL.md §7): while connected, the connection keeps the last room and
// stream packets it was given, in the order given; when it drops (not a deliberate
// disconnect) it hands them to the session, which stays in its rooms and streams,
// parks with the parked-session registry and keeps collecting; a reconnect with its
// pid re-points the rooms and streams at the new session, which replays what the
// client missed.
// When the window passes, what the user is owed goes to the offline queue.

#include <memory>

#include <caf/fwd.hpp>

#include "actors/common/access_control.hpp"
#include "actors/durability/byte_budget.hpp"
#include "actors/durability/parked_sessions_interface.hpp"
#include "actors/durability/persistence_interface.hpp"
#include "actors/market/market_interface.hpp"
#include "actors/net/connection.hpp"
#include "actors/rooms/directory_interface.hpp"
#include "actors/stats/stats_interface.hpp"
#include "actors/session/identity.hpp"
#include "actors/messages.hpp"
#include "actors/settings.hpp"

namespace qc {

struct session_params {
  std::shared_ptr<const settings> cfg;
  std::weak_ptr<connection> conn;
  transport_kind transport = transport_kind::socketio;
  upgrade_request upgrade;
  directory_actor directory;
  stats_actor stats;
  market_actor market;
  persistence_actor persistence;         // null: nothing is saved (the conformance server)
  parked_sessions_actor parked_sessions; // null: no recovery
  std::shared_ptr<byte_budget> parked_budget; // what all parked sessions keep; null: unbounded
  std::shared_ptr<const access_control> access; // JWT verifier and RBAC; never null
};

caf::behavior session_actor(caf::event_based_actor* self, session_params params);

} // namespace qc
