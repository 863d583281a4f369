#pragma once
// One symbol's market data stream: deduplicates and sequences ticks, keeps the last
// value and a ring of recent ticks (stream_book), and fans each tick out to its
// subscribers, encoded once per distinct field filter and shared by every subscriber
// with that filter: one post per I/O shard for subscribers whose connection takes
// frames directly (actors/net/fanout.hpp), a message for any other. Spawned by the market, which it tells when it has been idle (no
// subscribers, no ticks) for stream.idle-timeout.
//
// Messages (all from the market, counted as handled, except get_stats and timers):
//   (tick_atom, tick_batch)                    -> void
//   (publish_atom, tick_batch)                 -> publish_result
//   (stream_sub_atom, sid, session, sink, fields) -> stream_reply (with the snapshot and
//                                                 the topic a direct sink holds until released)
//   (stream_unsub_atom, sid)                   -> void
//   (stream_filter_atom, sid, fields)          -> stream_reply
//   (market_data_atom, limit, before_seq)      -> std::string (JSON data, at most about
//                                                 limits.max-reply-bytes; before_seq 0: newest)
//   (get_stats_atom)                           -> stream_stats
//   (retire_atom)                              -> quits

#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/settings.hpp"

namespace qc {

caf::behavior stream_actor(caf::event_based_actor* self, std::string symbol,
                           std::shared_ptr<const settings> cfg, caf::actor market);

} // namespace qc
