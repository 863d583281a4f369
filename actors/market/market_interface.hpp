#pragma once
// What the market actor (market.hpp) takes and answers: the messages of a stream, with
// the symbol in front, plus what the market keeps for itself.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/market/stream_interface.hpp"
#include "actors/messages.hpp"

namespace qc {

using market_actor = caf::typed_actor<
  // feeds: ticks to their streams (a feed requests it only to pace itself)
  caf::reacts_to<tick_atom, tick_batch>,
  // `publish` events and POST /publish: what every stream took, summed
  caf::replies_to<publish_atom, tick_batch>::with<publish_result>,
  // (symbol, sid, session, sink, fields): spawns the stream if needed
  caf::replies_to<stream_sub_atom, std::string, std::string, caf::actor, sink_ptr,
                  std::vector<std::string>>::with<stream_reply>,
  // (symbol, sid)
  caf::reacts_to<stream_unsub_atom, std::string, std::string>,
  // (symbol, sid, fields)
  caf::replies_to<stream_filter_atom, std::string, std::string,
                  std::vector<std::string>>::with<stream_reply>,
  // (symbol, limit, before_seq): the stream's JSON; "" when there is no such stream
  caf::replies_to<market_data_atom, std::string, std::uint32_t, std::uint64_t>::with<std::string>,
  // from a stream: (symbol, messages it handled); retired if nothing came since
  caf::reacts_to<stream_idle_atom, std::string, std::uint64_t>,
  // every stream, for /stats
  caf::replies_to<listing_atom>::with<std::vector<stream_actor>>,
  // stops every stream, quits
  caf::reacts_to<shutdown_atom>>;

} // namespace qc
