#pragma once
// What the stats actor (stats.hpp) takes and answers.

#include <cstdint>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"

namespace qc {

using stats_actor = caf::typed_actor<
  // (limit, offset): the JSON document (the `get_stats` request of a client)
  caf::replies_to<get_stats_atom, std::uint64_t, std::uint64_t>::with<std::string>,
  // (limit, offset, callback): calls back with the JSON on the caller's thread (HTTP)
  caf::reacts_to<get_stats_atom, std::uint64_t, std::uint64_t, json_callback>>;

} // namespace qc
