#pragma once
// Everything one run measured, and its JSON summary.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "apps/loadgen/options.hpp"
#include "apps/loadgen/proc_stats.hpp"
#include "apps/loadgen/worker.hpp"

namespace qc::loadgen {

struct run_report {
  std::int64_t started_at_ms = 0;
  double wall_s = 0;
  double connect_phase_s = 0;
  double window_s = 0;            // the measured part: publishing after warmup, the idle hold, or the storm
  double publish_s = 0;
  bool interrupted = false;
  std::vector<std::string> notes;

  worker_counts counts;           // merged over workers

  bool has_publisher = false;
  std::uint64_t publish_messages = 0;
  std::uint64_t ticks_sent = 0;
  std::uint64_t publish_acks = 0;
  std::uint64_t ticks_accepted = 0;
  std::uint64_t ticks_duplicate = 0;
  std::uint64_t publish_refused = 0;
  std::vector<std::pair<std::string, std::uint64_t>> publish_refusals; // by error code
  std::uint64_t publisher_echoes = 0;   // rooms: its own messages back to the publisher
  std::uint64_t expected = 0;

  // The server, sampled from /proc: at start, once connected, around the window, at the end.
  std::optional<proc_sample> server_start, server_connected, server_window_begin, server_window_end, server_end;
  long server_rss_peak_kb = 0;
  bool server_gone = false;
  // The load generator itself.
  double self_cpu_window_s = 0;
  double self_cpu_total_s = 0;
};

/// The JSON summary (pretty-printed).
std::string summary_json(const options& o, const run_report& r);

} // namespace qc::loadgen
