#pragma once
// The supervisor: sessions whose connection dropped wait here, by their private id
// (pid), for the recovery window (PROTOCOL.md §7). A client that reconnects with that
// pid is handed its old session's actor, which gives the new session its sid, rooms,
// streams and the packets it kept. The session itself keeps its packets and runs its
// own window timer; this actor only finds it, bounds how many wait, and counts. What
// they keep together is bounded by `parked_budget` (recovery.parked-total-bytes),
// which the sessions charge themselves as packets arrive; this actor reports it.
//
// Messages:
//   (park_atom, pid, session)          -> bool (false: max-parked reached, do not wait)
//   (unpark_atom, pid)                 -> void (the window passed; the session is going)
//   (resume_atom, pid)                 -> std::vector<caf::actor> (the parked session,
//                                         claimed; empty for an unknown pid)
//   (recovered_atom, gap, replayed)    -> void (a resumed session reports how it went)
//   (get_stats_atom)                   -> recovery_stats

#include <memory>

#include <caf/fwd.hpp>

#include "actors/durability/byte_budget.hpp"
#include "actors/settings.hpp"

namespace qc {

caf::behavior supervisor_actor(caf::event_based_actor* self, std::shared_ptr<const settings> cfg,
                               std::shared_ptr<const byte_budget> parked_budget);

} // namespace qc
