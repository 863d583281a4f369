#pragma once
// The parked-session registry: sessions whose connection dropped wait here, by their
// private id (pid), for the recovery window (PROTOCOL.md §7). A client that reconnects
// with that pid is handed its old session's actor, which gives the new session its
// sid, rooms, streams and the packets it kept. The session itself keeps its packets
// and runs its own window timer; this actor only finds it, bounds how many wait, and
// counts. What they keep together is bounded by `parked_budget`
// (recovery.parked-total-bytes), which the sessions charge themselves as packets
// arrive; this actor reports it. Its messages: parked_sessions_interface.hpp.

#include <memory>

#include "actors/durability/byte_budget.hpp"
#include "actors/durability/parked_sessions_interface.hpp"
#include "actors/settings.hpp"

namespace qc {

parked_sessions_actor::behavior_type
parked_sessions_behavior(parked_sessions_actor::pointer self, std::shared_ptr<const settings> cfg,
                         std::shared_ptr<const byte_budget> parked_budget);

} // namespace qc
