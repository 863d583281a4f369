#pragma once
// What a stream actor (stream.hpp) takes and answers. Everything but get_stats and its
// own timer comes from the market, which counts it for safe retirement.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"

namespace qc {

using stream_actor = caf::typed_actor<
  // ticks from a feed: deduplicated, sequenced, fanned out
  caf::reacts_to<tick_atom, tick_batch>,
  // ticks from a publisher, who learns how many were taken
  caf::replies_to<publish_atom, tick_batch>::with<publish_result>,
  // subscribe (sid, session, direct sink or null, fields), or re-point a known sid;
  // the reply has the snapshot and the topic a direct sink holds until released
  caf::replies_to<stream_sub_atom, std::string, caf::actor, sink_ptr,
                  std::vector<std::string>>::with<stream_reply>,
  caf::reacts_to<stream_unsub_atom, std::string>,
  // change a subscriber's field filter (sid, fields)
  caf::replies_to<stream_filter_atom, std::string, std::vector<std::string>>::with<stream_reply>,
  // get_market_data (limit, before_seq; 0: newest): JSON within limits.max-reply-bytes
  caf::replies_to<market_data_atom, std::uint32_t, std::uint64_t>::with<std::string>,
  caf::replies_to<get_stats_atom>::with<stream_stats>,
  // its own timer: tells the market when it has been idle for stream.idle-timeout
  caf::reacts_to<idle_check_atom>,
  // the market forgot it: quit
  caf::reacts_to<retire_atom>>;

} // namespace qc
