#pragma once
// Command-line options of quotecast-loadgen, and their checks: loopback targets only,
// bounded duration and connection count. fanout and rooms share one vocabulary: each
// subscriber takes `per_client` of `symbols` topics (market symbols, or rooms in rooms
// mode), named `symbol_prefix` + index.

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qc::loadgen {

enum class transport { socketio, ws };
enum class mode { fanout, idle, storm, rooms };

struct options {
  std::string url = "http://127.0.0.1:8080";
  transport proto = transport::socketio;
  mode run_mode = mode::fanout;
  std::size_t clients = 100;
  std::size_t symbols = 10;            // symbols (fanout) or rooms (rooms mode): the topics
  std::size_t per_client = 1;          // topics each subscriber subscribes to (or joins)
  double rate = 100;                   // ticks (room messages) per second, all topics together
  double duration_s = 5;               // publishing (fanout, rooms) or holding (idle) time
  double warmup_s = 1;                 // first part of duration left out of latency and rate
  double drain_s = 2;                  // after publishing: wait this long at most for stragglers
  double connect_rate = 0;             // new connections per second; 0: as fast as allowed
  std::size_t concurrency = 256;       // connection attempts in flight at once
  double connect_timeout_s = 10;       // per connection, until it is ready
  double connect_phase_s = 120;        // all connections, until the run goes on without the rest
  std::size_t batch = 100;             // most ticks in one publish message (rooms: 1 message an event)
  std::vector<std::string> fields{"price", "ts_us", "n"};
  std::string symbol_prefix = "LG";    // rooms mode: "bench_room_" unless given
  int server_pid = 0;
  double progress_interval_s = 1;
  std::string output;                  // also write the summary here
  std::size_t threads = 1;             // 1 or 2 event loops
  std::size_t source_addrs = 0;        // bind to 127.0.0.1..N; 0: automatic (many clients only)

  // Derived from url.
  sockaddr_in target{};
  std::string host_header;
};

/// The parsed options, or nullopt after printing the reason (or the help) to stderr;
/// `exit_code` says whether that was an error (2) or --help (0).
std::optional<options> parse_options(int argc, char** argv, int& exit_code);

std::string to_string(transport t);
std::string to_string(mode m);

/// Whether the mode runs a publisher connection and measures deliveries.
inline bool publishes(mode m) { return m == mode::fanout || m == mode::rooms; }

/// The highest usable number of subscriber connections given the descriptor limit.
std::size_t max_clients_for_fd_limit();

} // namespace qc::loadgen
