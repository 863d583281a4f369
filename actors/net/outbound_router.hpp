#pragma once
// Where each frame given to one connection goes. Frames come from its session (room
// packets, replies, a replay) and from its I/O shard (stream ticks); each is written
// (outbound_queue), held until its session releases the topic (topic_holds), kept as
// one of the last replayable frames for recovery (PROTOCOL.md §7), or, once the
// connection has closed, handed back to the session that may be waiting for its client.
//
// Pure C++ on the connection's strand, no socket and no Asio: the connection owns the
// router, tells it what arrives, and does what the router cannot (routing_owner).
// Tested in tests/unit/test_outbound_router.cpp.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "actors/net/close_handshake.hpp"
#include "actors/net/connection.hpp"
#include "actors/net/outbound_queue.hpp"
#include "actors/net/topic_holds.hpp"
#include "actors/session/replay_buffer.hpp"
#include "actors/settings.hpp"

namespace qc {

/// What a router asks of its connection.
class routing_owner {
public:
  /// The connection has closed: a replayable frame goes back to the session.
  virtual void forward_to_session(shared_frame frame) = 0;
  /// A waiting or held frame was replaced by a newer one of its key (a statistic).
  virtual void conflated() = 0;
  /// The queue passed its hard bound: close at once as a slow consumer.
  virtual void slow_consumer() = 0;

protected:
  ~routing_owner() = default;
};

class outbound_router {
public:
  /// `close` is the connection's: nothing new is written once it is ending. `cfg`
  /// gives the outbound bounds (limits) and how much is kept for recovery (recovery).
  /// `owner`, `close` and `cfg` outlive the router.
  outbound_router(routing_owner& owner, const close_handshake& close, const settings& cfg,
                  transport_kind transport);

  /// The frames to write.
  outbound_queue& queue() { return queue_; }

  // From the session, in the order it handed them over.
  /// A frame to write (kept too if replayable).
  void from_session(out_frame frame);
  /// A frame the client already has: kept as if just written, not written.
  void remember(const out_frame& frame);
  /// Lets `topic`'s held frames be written.
  void release(topic_id topic);

  // From the shard (fanout_sink).
  void join(topic_id topic, const std::string& symbol);
  /// The topic's symbol, if this connection was a member.
  std::optional<std::string> leave(topic_id topic);
  /// True: the frame went to the queue (or would have, but the connection is closing),
  /// so the caller writes it out when the shard flushes.
  bool from_stream(topic_id topic, const shared_frame& frame);

  /// The connection closed: what the session needs to wait for its client, the kept
  /// frames and those still held (never written), in order. Replayable frames that
  /// arrive from now on go to forward_to_session().
  std::vector<shared_frame> close();
  bool closed() const { return closed_; }

  /// Frames written for the shard (stream ticks) rather than the session; read from
  /// any thread.
  std::uint64_t direct_frames() const { return direct_frames_.load(std::memory_order_relaxed); }

private:
  void write_from_stream(const shared_frame& frame, std::uint64_t skipped);
  void record(shared_frame frame);
  void enqueue(out_frame frame, std::uint64_t skipped);

  routing_owner& owner_;
  const close_handshake& close_;
  const recovery_settings& recovery_; // cfg's
  outbound_queue queue_;
  topic_holds topics_;
  /// The last replayable frames given to this connection, in order.
  replay_buffer<shared_frame, frame_weight> kept_;
  std::atomic<std::uint64_t> direct_frames_{0};
  transport_kind transport_;
  bool closed_ = false;
};

} // namespace qc
