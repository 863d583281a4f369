#pragma once
// One symbol's market data stream: deduplicates and sequences ticks, keeps the last
// value and a ring of recent ticks (stream_book), and fans each tick out to its
// subscribers, encoded once per distinct field filter and shared by every subscriber
// with that filter: one post per I/O shard for subscribers whose connection takes
// frames directly (actors/net/fanout.hpp), a message for any other. Spawned by the
// market, which it tells when it has been idle (no subscribers, no ticks) for
// stream.idle-timeout. Its messages: stream_interface.hpp.

#include <memory>
#include <string>

#include "actors/market/market_interface.hpp"
#include "actors/market/stream_interface.hpp"
#include "actors/settings.hpp"

namespace qc {

stream_actor::behavior_type stream_behavior(stream_actor::pointer self, std::string symbol,
                                            std::shared_ptr<const settings> cfg,
                                            market_actor market);

} // namespace qc
