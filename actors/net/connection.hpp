#pragma once
// The boundary between a session actor and its socket.
//
// A session actor never touches Beast: it talks to its socket through this small
// interface, implemented by the gateway on the socket's strand. Every call is
// thread-safe and returns at once (it posts to the socket's executor). The actor holds
// only a std::weak_ptr<connection>: the socket object owns itself through its pending
// I/O and goes away when the peer does.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qc {

struct wire_frame;
struct topic_id;
class fanout_sink;

/// One outgoing WebSocket message. The bytes are immutable and shared: a broadcast
/// encodes a frame once and every recipient's queue points at the same buffer.
struct out_frame {
  std::shared_ptr<const std::string> bytes;
  bool binary = false;
  /// Non-empty for stream_data: the symbol. Past the soft outbound limit a queued,
  /// unwritten frame with the same key is replaced by the newer one and the skipped
  /// count is written into it as "conflated":N (PROTOCOL.md §9). Points into the
  /// frame that `bytes` keeps alive; the outbound queue's index keeps its own copy.
  std::string_view conflate_key;
  /// The broadcast frame `bytes` belongs to (kept alive by it), or null for a frame of
  /// this connection's own. A connection keeps its last replayable frames for recovery.
  const wire_frame* source = nullptr;
};

/// WebSocket close codes the broker uses (RFC 6455 §7.4.1).
enum class close_code : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  policy_violation = 1008,
  too_big = 1009,
};

class connection {
public:
  virtual ~connection() = default;

  /// Queues frames for writing, in order. Frames queued together are written back to
  /// back. If the queue would pass its byte bound the connection is closed as a slow
  /// consumer instead (the session actor then receives `closed`).
  virtual void send(std::vector<out_frame> frames) = 0;

  /// The same, moving the frames out of `frames` (which keeps its capacity, so a
  /// caller that batches reuses one buffer and allocates nothing per hand-over).
  virtual void send_all(std::span<out_frame> frames) = 0;

  /// The session has handled one inbound frame. The connection stops reading while
  /// `max_unhandled_frames` frames wait in the session's mailbox, so a client that
  /// sends faster than its session works is held back by TCP, not buffered.
  virtual void consumed() = 0;

  static constexpr std::size_t max_unhandled_frames = 64;

  /// Calls `done` (on the socket's thread) once every frame sent before this call is
  /// written to the socket; never, if the connection ends first. The offline queue
  /// removes a message only after it went out (PROTOCOL.md §7).
  virtual void when_written(std::function<void()> done) = 0;

  /// The same, but calls `abandoned` instead of `done` if the connection ends (or has
  /// ended) before those frames are written, so a caller that waits can stop waiting.
  virtual void when_written(std::function<void()> done, std::function<void()> abandoned) = 0;

  /// Frames the client already has, kept (not written) as if they had just been
  /// written: a recovered session's replay context (PROTOCOL.md §7).
  virtual void remember(std::vector<std::shared_ptr<const wire_frame>> frames) = 0;

  /// Lets the held frames of `topic` go out, after everything sent before this call
  /// (the subscription's reply and snapshot). No-op for a topic that is not held.
  virtual void release(topic_id topic) = 0;

  /// This connection as a stream's direct subscriber (actors/net/fanout.hpp); null if it
  /// cannot be one.
  virtual std::shared_ptr<fanout_sink> sink() = 0;

  /// Frames written for its shard (stream ticks) rather than for its session; the
  /// session counts these into its messages_out.
  virtual std::uint64_t direct_frames() const = 0;

  /// Flushes what is queued, then closes with a WebSocket close frame.
  virtual void close(close_code code, std::string reason) = 0;
};

} // namespace qc
