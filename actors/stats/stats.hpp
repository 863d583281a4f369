#pragma once
// The stats actor: asks the directory, the market, every room, stream and session, the
// persistence actor and the parked-session registry for their figures and assembles
// the /stats document (PROTOCOL.md §8).
//
// Asking every actor costs in proportion to the broker's size, so one gather serves
// many requests: at most one gather runs at a time, and its snapshot answers every
// request that arrives within stats.cache-ms of its start (0: only requests that
// arrived before it started). Requests name a page (limit, offset) of the lists;
// totals are always complete, and limit and offset are already checked against the
// bounds (protocol::resolve_stats_page). Its messages: stats_interface.hpp.

#include <cstdint>
#include <functional>
#include <memory>

#include "actors/durability/parked_sessions_interface.hpp"
#include "actors/durability/persistence_interface.hpp"
#include "actors/market/market_interface.hpp"
#include "actors/messages.hpp"
#include "actors/rooms/directory_interface.hpp"
#include "actors/settings.hpp"
#include "actors/stats/stats_interface.hpp"

namespace qc {

/// Counters the gateway keeps (it is not an actor): read through a thread-safe getter.
struct gateway_counters {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t slow_consumer_disconnects = 0;
  std::uint64_t oversize_disconnects = 0;
  std::uint64_t conflated = 0; // queued stream_data frames replaced by a newer tick
  std::uint64_t incomplete_disconnects = 0; // a begun message not finished in time
  std::uint64_t flood_disconnects = 0;      // over the inbound budget for too long
  std::uint64_t http_connections = 0;     // open, not upgraded to WebSocket
  std::uint64_t http_refused = 0;         // 503 at accept: limits.max-http-connections
  std::uint64_t address_refused = 0;      // 503 at accept: limits.max-connections-per-address
  std::uint64_t descriptor_shortages = 0; // accepts that failed with EMFILE/ENFILE
  std::uint64_t bad_requests = 0;         // answered 400/408/413/414/431
  std::uint64_t origin_refused = 0;       // upgrades answered 403 for their Origin
};

/// The actors the stats actor asks; `persistence` and `parked_sessions` may be null
/// (then their sections are zeros).
struct stats_sources {
  directory_actor directory;
  market_actor market;
  persistence_actor persistence;
  parked_sessions_actor parked_sessions;
};

stats_actor::behavior_type stats_behavior(stats_actor::pointer self,
                                          std::shared_ptr<const settings> cfg,
                                          stats_sources sources,
                                          std::function<gateway_counters()> read_gateway);

} // namespace qc
