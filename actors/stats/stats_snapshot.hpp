#pragma once
// One gathered set of /stats figures, kept by the stats actor for stats.cache-ms, and
// the rendering of one page of it. The snapshot holds values only, never actor handles:
// a cached snapshot must not keep closed sessions or retired rooms alive.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/messages.hpp"
#include "actors/settings.hpp"
#include "actors/stats/stats.hpp"
#include "protocol/stats_page.hpp"

namespace qc {

struct stats_snapshot {
  // From the directory.
  std::uint64_t sessions = 0; // registered sessions, parked ones included
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;
  std::uint64_t rooms_created = 0;
  std::uint64_t rooms_retired = 0;

  std::uint64_t parked = 0;                  // sessions waiting for recovery
  std::vector<connection_stats> connections; // live ones, by connect time then sid
  std::vector<room_stats> rooms;             // by name
  std::vector<stream_stats> streams;         // by symbol
  persistence_stats persistence;
  recovery_stats recovery;
  gateway_counters gateway;

  // Filled by seal(): sorted lists and the totals every page shows.
  std::vector<std::pair<std::string, std::uint64_t>> per_user; // by user id
  std::uint64_t room_members = 0, room_joins = 0, room_leaves = 0, room_messages = 0;
  std::uint64_t active_rooms = 0;
  std::uint64_t stream_subscribers = 0, stream_peak = 0, stream_sent = 0;
  std::uint64_t stream_duplicates = 0, stream_ticks = 0;

  std::uint64_t gather = 0;   // which gather this is (1, 2, ...)
  std::int64_t gathered_at_ms = 0; // wall clock when the gather started

  /// Sorts the lists (stable order for paging) and computes the totals.
  void seal();
};

/// Facts about the document that are not part of the snapshot.
struct stats_render_info {
  std::string node;
  std::int64_t started_ms = 0;     // broker start, wall clock
  std::uint64_t gathers = 0;       // gathers since start
  std::int64_t snapshot_age_ms = 0;
};

/// The /stats document (docs/PROTOCOL-NOTES.md) with each list cut to `page`.
std::string render_stats(const stats_snapshot& s, const protocol::stats_page& page,
                         const settings& cfg, const stats_render_info& info);

} // namespace qc
