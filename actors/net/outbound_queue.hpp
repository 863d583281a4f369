#pragma once
// What one WebSocket connection has to write, and in which order: control frames
// first, then data frames as they were queued, in batches of bounded size. Bounded in
// bytes (PROTOCOL.md §9): past the soft bound a stream_data frame replaces the newest
// waiting frame of its symbol in place (its place in line kept, the number it replaced
// written into it as "conflated":N); past the hard bound the caller is told to close
// the connection as a slow consumer. Also tells callers when the frames queued before
// they asked have been written (the offline queue deletes a message only then).
//
// Pure C++: no socket, no Asio, no CAF. ws_connection does the I/O around it; the
// unit tests drive it frame by frame (tests/unit/test_outbound_queue.cpp).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "actors/net/conflation_index.hpp"
#include "actors/net/connection.hpp"
#include "actors/net/write_batch.hpp"
#include "actors/settings.hpp"
#include "protocol/websocket_frames.hpp"

namespace qc {

class outbound_queue {
public:
  /// One batch takes at most this much of the queue, so one connection's backlog
  /// cannot make a single write (and its buffer) arbitrarily large.
  static constexpr std::size_t max_batch_frames = 256;
  static constexpr std::size_t max_batch_bytes = 1 << 20;

  struct push_result {
    bool conflated = false;  // replaced a waiting frame of its key instead of queuing
    bool over_limit = false; // unwritten bytes now pass max_outbound_bytes: close as slow consumer
  };

  /// Bounded by limits.soft_outbound_bytes and max_outbound_bytes; `limits` outlives
  /// the queue (a reference, not a copy: every connection has a queue).
  explicit outbound_queue(const limit_settings& limits) : limits_(limits) {}

  /// Queues a data frame. `skipped`: frames of its key dropped just before it (they
  /// are added to its "conflated" count).
  push_result push(out_frame frame, std::uint64_t skipped = 0);

  /// Queues a control frame to go before any data frame. One waiting frame per opcode
  /// is enough (only the newest pong matters, RFC 6455 §5.5.3), which bounds this for
  /// a client that pings without reading.
  void push_control(protocol::ws_opcode opcode, std::string payload);

  /// Moves the control frames, then as many data frames as one batch may hold, into
  /// `batch` (cleared first). Their bytes count as in flight until batch_written().
  void fill(write_batch& batch);

  /// The batch from fill() is on the socket (or failed): its bytes no longer count.
  void batch_written() { inflight_bytes_ = 0; }

  /// `done` is called by call_due_waiters() once every frame queued so far has been
  /// taken into a batch and that batch written; `abandoned` (may be empty) by drop()
  /// or abandon_waiters() instead, if that does not happen.
  void when_written(std::function<void()> done, std::function<void()> abandoned);
  /// Calls the waiters whose frames have all been taken. Call with no batch in flight.
  void call_due_waiters();
  /// Calls every waiter's `abandoned`: nothing more will be written.
  void abandon_waiters();

  /// Drops every waiting data frame (the peer reads no more), abandoning the waiters.
  void drop();

  /// Waiting data frames (control frames not counted).
  std::size_t size() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }
  /// Bytes queued or in flight: what the soft and hard bounds are compared with.
  std::size_t unwritten_bytes() const { return waiting_bytes_ + inflight_bytes_; }
  /// Keys the conflation index tracks (0 while the queue stays well below the soft bound).
  std::size_t tracked_keys() const { return newest_by_key_.size(); }

private:
  /// A frame waiting to be written, with how many older frames of its conflation key
  /// it replaced since the last one of that key went out.
  struct queued_frame {
    out_frame frame;
    std::uint64_t skipped = 0;
  };

  struct write_waiter {
    std::uint64_t position; // written once every frame before it was taken
    std::function<void()> done;
    std::function<void()> abandoned; // may be empty
  };

  bool conflate(out_frame& frame, std::uint64_t skipped);
  void take_front(write_batch& batch);
  std::uint64_t end_position() const { return popped_ + queue_.size(); }

  const limit_settings& limits_;
  std::vector<std::pair<protocol::ws_opcode, std::string>> control_;
  std::deque<queued_frame> queue_;
  std::uint64_t popped_ = 0; // frames taken off the queue's front so far
  /// Conflation key -> position (popped_ + index) of the newest waiting frame with it.
  conflation_index newest_by_key_;
  std::size_t waiting_bytes_ = 0;
  std::size_t inflight_bytes_ = 0;
  /// A session has at most a few (one per offline batch), so this stays short.
  std::vector<write_waiter> write_waiters_;
};

} // namespace qc
