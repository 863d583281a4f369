#pragma once
// One event loop (epoll, level-triggered) and the connections it owns: its share of
// the subscribers and, in the first worker, the publisher. A worker opens its
// connections (paced, with a bound on attempts in flight), runs the handshakes and
// subscriptions (market streams, or room joins in rooms mode, where the publisher
// joins every room too), answers pings, and counts every delivery (stream_data, or
// room_message from the publisher; the publisher's own messages coming back to it
// are read and counted apart, not as deliveries). Its counters are its own;
// the few numbers the coordinator watches while the run goes on are copied into
// atomics once per loop turn.

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "apps/loadgen/histogram.hpp"
#include "apps/loadgen/options.hpp"
#include "apps/loadgen/unique_fd.hpp"
#include "apps/loadgen/wire.hpp"
#include "apps/loadgen/ws_client.hpp"

namespace qc::loadgen {

enum class run_phase : int { connecting, settling, running, draining, done };

/// What the coordinator reads while workers run (each worker writes only its own).
struct alignas(64) worker_board {
  std::atomic<std::uint64_t> made{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> settled{0};   // ready or failed
  std::atomic<std::uint64_t> received{0};  // live deliveries
  std::atomic<bool> frozen{false};         // no connection attempts left; counts final
  std::vector<std::uint64_t> subscribers_per_symbol; // written once, before frozen is set
};

/// State shared by all workers of one run.
struct run_shared {
  std::atomic<run_phase> phase{run_phase::connecting};
  std::atomic<std::int64_t> window_begin_us{0}; // ticks sent in [begin, end) are measured
  std::atomic<std::int64_t> window_end_us{0};
  std::array<worker_board, 2> boards;
};

/// A worker's final counts, merged over workers for the summary.
struct worker_counts {
  std::uint64_t attempted = 0;
  std::uint64_t made = 0;
  std::uint64_t failed = 0;
  std::uint64_t not_started = 0;
  std::uint64_t closed_by_server = 0;   // after they were made
  std::uint64_t subscriptions_ok = 0;   // stream_subscribed, or subscribed (rooms)
  std::uint64_t subscriptions_failed = 0;
  std::uint64_t received = 0;           // live stream_data (room_message)
  std::uint64_t received_in_window = 0;  // ticks sent inside the window (by ts_us)
  std::uint64_t arrived_in_window = 0;   // deliveries that arrived inside the window
  std::uint64_t snapshots = 0;
  std::uint64_t gaps = 0;               // seq numbers skipped
  std::uint64_t out_of_order = 0;       // seq not above the previous one
  std::uint64_t conflated = 0;          // what the server said it conflated
  std::uint64_t without_ts = 0;         // deliveries without ts_us (no latency)
  std::uint64_t unparsed = 0;           // deliveries we could not read
  std::uint64_t error_events = 0;
  std::int64_t first_start_ns = 0;
  std::int64_t last_made_ns = 0;
  std::vector<std::uint64_t> subscribers_per_symbol;
  std::vector<std::string> failure_reasons; // the first few, for the summary
  histogram latency_us;
  histogram connect_us;

  void merge(const worker_counts& other);
};

class publisher;

class worker {
public:
  /// The worker takes subscribers i with i % workers == id; worker 0 also runs the
  /// publisher connection when `pub` is given.
  worker(const options& o, run_shared& shared, std::size_t id, publisher* pub);
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  /// Runs until the phase is `done`. `step` (worker 0: the coordinator) is called
  /// once per loop turn and returns the longest wait in milliseconds.
  void run(const std::function<int(std::int64_t now_ns)>& step);

  /// Adds a descriptor (a signalfd) whose readability calls `on_ready`.
  void watch(int fd, std::function<void()> on_ready);

  // The publisher connection (worker 0).
  bool publisher_ready() const;
  bool publisher_failed() const;
  std::size_t publisher_queued() const;
  void send_publish(const std::string& message);

  worker_counts& counts() { return counts_; }
  std::size_t clients() const { return subscribers_; }

private:
  enum class stage : std::uint8_t { waiting, connecting, handshaking, subscribing, ready, failed };
  struct connection {
    ws_client ws;
    stage st = stage::waiting;
    bool want_out = false;
    bool is_publisher = false;
    bool gone = false;              // closed after it was made
    std::uint32_t index = 0;        // global subscriber index
    std::uint32_t answers = 0;      // subscription answers so far
    std::uint32_t first_symbol = 0; // slot j holds symbol (room) (first_symbol + j) % symbols
    std::int64_t started_ns = 0;
    std::vector<std::uint64_t> last_seq; // per slot; 0: nothing yet (the publisher: one per room it joins)
  };
  static constexpr std::uint64_t signal_tag = ~std::uint64_t{0};

  void start_connections(std::int64_t now_ns);
  void start(connection& c, std::size_t tag, std::int64_t now_ns);
  void on_event(std::size_t tag, std::uint32_t events);
  void on_message(connection& c, std::string_view msg);
  void on_delivery(connection& c, std::string_view msg, std::int64_t now_us);
  void on_made(connection& c);
  void on_subscribed(connection& c, std::string_view topic);
  void on_subscription_refused(connection& c, std::string_view msg);
  void on_subscription_answer(connection& c);
  void settle(connection& c, stage st);
  void fail(connection& c, const char* why);
  void after_io(connection& c, std::size_t tag);
  void expire(std::int64_t now_ns);
  void freeze();
  void publish_board();
  void set_interest(connection& c, std::size_t tag, bool want_out);

  const options& opt_;
  run_shared& shared_;
  std::size_t id_;
  publisher* pub_;
  message_kind delivery_kind_;      // stream_data, or room_message in rooms mode
  unique_fd epoll_;
  std::vector<connection> conns_;   // subscribers, then the publisher if any
  std::size_t subscribers_ = 0;
  std::size_t next_to_start_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t settled_ = 0;         // subscribers ready or failed
  std::deque<std::size_t> in_flight_order_; // tags in start order, for timeouts
  std::int64_t phase_start_ns_ = 0;
  std::int64_t now_us_ = 0;
  std::int64_t window_begin_us_ = 0;
  std::int64_t window_end_us_ = 0;
  bool frozen_ = false;
  std::vector<char> scratch_;
  std::string publisher_join_error_; // the first refused room join of the publisher
  int watched_fd_ = -1;
  std::function<void()> on_watched_;
  worker_counts counts_;
};

} // namespace qc::loadgen
