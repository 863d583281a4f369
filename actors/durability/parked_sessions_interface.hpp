#pragma once
// What the parked-session registry (parked_sessions.hpp) takes and answers.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"

namespace qc {

using parked_sessions_actor = caf::typed_actor<
  // (pid, session): false when recovery.max-parked is reached (do not wait)
  caf::replies_to<park_atom, std::string, caf::actor>::with<bool>,
  // (pid): the window passed; the session is going
  caf::reacts_to<unpark_atom, std::string>,
  // (pid): the parked session, claimed; empty for an unknown pid
  caf::replies_to<resume_atom, std::string>::with<std::vector<caf::actor>>,
  // (gap, replayed): a resumed session reports how it went
  caf::reacts_to<recovered_atom, bool, std::uint64_t>,
  caf::replies_to<get_stats_atom>::with<recovery_stats>>;

} // namespace qc
