#pragma once
// The market: symbol names to stream actors. Streams are spawned on first subscribe or
// first tick; every message for a stream passes through here and is counted, and a
// stream that reports itself idle (no subscribers, no recent ticks) with everything
// counted already handled is forgotten and retired, so nothing can reach a stream
// that is quitting.
//
// Messages:
//   (tick_atom, tick_batch)                          -> void  (feeds)
//   (publish_atom, tick_batch)                       -> publish_result (publish, POST /publish)
//   (stream_sub_atom, symbol, sid, session, sink, fields) -> stream_reply
//   (stream_unsub_atom, symbol, sid)                 -> void
//   (stream_filter_atom, symbol, sid, fields)        -> stream_reply
//   (market_data_atom, symbol, limit, before_seq)    -> std::string (JSON data; "" = no such stream)
//   (stream_idle_atom, symbol, handled)              -> void  (from streams)
//   (listing_atom)                                   -> std::vector<caf::actor> (for /stats)
//   (shutdown_atom)                                  -> stops every stream, quits

#include <memory>

#include <caf/fwd.hpp>

#include "actors/settings.hpp"

namespace qc {

caf::behavior market_actor(caf::event_based_actor* self, std::shared_ptr<const settings> cfg);

} // namespace qc
