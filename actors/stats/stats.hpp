#pragma once
// The stats actor: asks the directory, the market, every room, stream and session, the
// persistence actor and the supervisor for their figures and assembles the /stats document (PROTOCOL.md §8).
//
// Asking every actor costs in proportion to the broker's size, so one gather serves
// many requests: at most one gather runs at a time, and its snapshot answers every
// request that arrives within stats.cache-ms of its start (0: only requests that
// arrived before it started). Requests name a page (limit, offset) of the lists;
// totals are always complete.
//
// Messages:
//   (get_stats_atom, limit, offset)                 -> std::string (JSON), `request get_stats`
//   (get_stats_atom, limit, offset, json_callback)  -> void; calls back with the JSON (HTTP)
// limit and offset are std::uint64_t, already checked against the bounds
// (protocol::resolve_stats_page).

#include <cstdint>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/settings.hpp"

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

/// `persistence` and `supervisor` may be null (then their sections are zeros).
caf::behavior stats_actor(caf::event_based_actor* self, std::shared_ptr<const settings> cfg,
                          caf::actor directory, caf::actor market, caf::actor persistence,
                          caf::actor supervisor,
                          std::function<gateway_counters()> read_gateway);

} // namespace qc
