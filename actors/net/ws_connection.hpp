#pragma once
// A WebSocket connection after the HTTP upgrade. It speaks WebSocket itself over a
// plain TCP socket (framing in protocol/websocket_frames) rather than through Beast's
// websocket::stream, because Beast writes one message per write: here everything that
// is queued while a write is in flight goes out in the next write, many frames in one
// syscall. Reads are forwarded to the session actor; writes are bounded per PROTOCOL.md
// §9 (conflation of stream_data past the soft bound, slow-consumer close past the hard
// one). It is also a stream's direct subscriber (fanout_sink): its shard hands it ticks
// on the strand all the shard's connections share. Owned by its pending I/O and by the
// topics it is a member of.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <caf/actor.hpp>

#include "actors/net/connection.hpp"
#include "actors/net/fanout.hpp"
#include "actors/net/gateway_shared.hpp"
#include "actors/session/identity.hpp"
#include "actors/session/replay_buffer.hpp"
#include "protocol/websocket_frames.hpp"

namespace qc {

namespace beast = boost::beast;

class ws_connection final : public connection,
                            public fanout_sink,
                            public std::enable_shared_from_this<ws_connection> {
public:
  using socket_type = boost::asio::ip::tcp::socket;

  /// `socket` runs on `shard`'s strand.
  ws_connection(socket_type&& socket, std::shared_ptr<gateway_shared> shared, bool engineio,
                fanout_shard& shard);
  ~ws_connection() override;

  /// Answers the (already validated) upgrade request with 101, then spawns the session
  /// actor and starts reading. `early_bytes` are what the client sent after its request
  /// and the HTTP reader already took.
  void accept(const beast::http::request<beast::http::string_body>& req, upgrade_request info,
              std::string early_bytes);

  /// Keeps the connection's place in the per-address count until it is gone.
  void hold(address_ticket ticket) { ticket_ = std::move(ticket); }

  void send(std::vector<out_frame> frames) override;
  void send_all(std::span<out_frame> frames) override;
  void when_written(std::function<void()> done) override;
  void when_written(std::function<void()> done, std::function<void()> abandoned) override;
  void close(close_code code, std::string reason) override;
  void consumed() override;
  void remember(std::vector<shared_frame> frames) override;
  void release(topic_id topic) override;
  std::shared_ptr<fanout_sink> sink() override;
  std::uint64_t direct_frames() const override {
    return direct_frames_.load(std::memory_order_relaxed);
  }

  // fanout_sink, on the strand
  fanout_shard& shard() override { return shard_; }
  void joined(topic_id topic, const std::string& symbol) override;
  void left(topic_id topic, bool replaced) override;
  bool take(topic_id topic, const shared_frame& frame) override;
  void flush() override;

  /// Cuts the TCP connection at once (shutdown after the grace period).
  void cut();

private:
  /// A frame waiting to be written, with how many older frames of its conflation key
  /// it replaced since the last one of that key went out.
  struct queued_frame {
    out_frame frame;
    std::uint64_t skipped = 0;
  };

  /// What a session hands over, in order: frames to write, and frames to remember only.
  struct outbound {
    bool write = true;
    out_frame frame;
  };

  /// A stream filter group this connection is a member of. Until its session
  /// releases it, its frames wait in `held`: at most max_held_frames, the oldest going
  /// first (counted in `skipped`, and told to the client like any conflation).
  struct topic_membership {
    topic_id id;
    std::string symbol;
    bool holding = true;
    std::vector<shared_frame> held;
    std::uint64_t skipped = 0;
  };
  static constexpr std::size_t max_held_frames = 1024;

  /// One write: frame headers, control frames and small payloads copied into `bytes`,
  /// larger payloads referenced (kept alive by `owners`).
  struct write_batch {
    struct segment {
      bool external;
      std::size_t offset; // into `bytes` when !external
      const char* data;   // when external
      std::size_t size;
    };
    std::string bytes;
    std::vector<std::shared_ptr<const std::string>> owners;
    std::vector<segment> segments;
    std::vector<boost::asio::const_buffer> buffers; // the segments, for the write in flight
    bool has_close = false;

    void add_header(protocol::ws_opcode opcode, std::size_t payload_size);
    void add_copied(std::string_view s);
    void add_referenced(std::shared_ptr<const std::string> payload);
    void clear();

  private:
    void note_copied(std::size_t offset, std::size_t size);
  };

  void on_upgraded(beast::error_code ec, const upgrade_request& info);

  // reading
  void read_next();
  void on_readable(beast::error_code ec);
  void on_read(beast::error_code ec, std::size_t bytes);
  void process_input();
  void handle_event(protocol::ws_event event);
  void pause_reading();
  void resume_reading();
  void watch_incomplete();
  void on_incomplete_due(beast::error_code ec);

  // writing
  template <class Fill>
  void add_to_inbox(Fill&& fill);
  template <class Work>
  void after_inbox(Work work);
  void drain_inbox();
  void write_from_session(out_frame frame);
  void write_from_stream(const shared_frame& frame, std::uint64_t skipped = 0);
  void record(shared_frame frame);
  void forward(shared_frame frame);
  void release_now(topic_id topic);
  topic_membership* membership(topic_id topic);
  transport_kind transport() const {
    return engineio_ ? transport_kind::socketio : transport_kind::json;
  }
  void enqueue_one(out_frame frame, std::uint64_t skipped = 0);
  bool conflate(out_frame& frame, std::uint64_t skipped);
  void remember_newest(std::string_view key, std::uint64_t position);
  void take_front();
  void drop_queue();
  void queue_control(protocol::ws_opcode opcode, std::string payload);
  void write_next();
  void fill_batch();
  void on_write(beast::error_code ec, std::size_t bytes);
  bool batch_done(beast::error_code ec);
  void call_write_waiters();
  void abandon_write_waiters();

  // heartbeat and closing
  void arm_heartbeat();
  void on_heartbeat();
  void begin_close(close_code code, std::string reason, bool flush);
  void after_close_exchange();
  void finish();
  void notify_closed(const std::string& reason);
  std::size_t unwritten_bytes() const { return waiting_bytes_ + inflight_bytes_; }

  socket_type socket_;
  std::shared_ptr<gateway_shared> shared_;
  bool engineio_;
  fanout_shard& shard_;
  address_ticket ticket_;
  caf::actor session_; // until it is told the connection closed
  caf::actor owner_;   // the session, for good: frames that arrive after the close go back to it

  // reading
  beast::flat_buffer input_;
  protocol::ws_frame_parser parser_;
  std::atomic<std::size_t> unhandled_{0}; // frames sent to the session, not yet handled
  bool read_paused_ = false;
  std::shared_ptr<ws_connection> paused_self_; // set while paused, see pause_reading()
  bool reading_ = false;
  std::chrono::steady_clock::time_point last_heard_;
  // A message begun and not finished: which one (parser's count) and since when.
  std::uint64_t incomplete_message_ = 0;
  std::chrono::steady_clock::time_point incomplete_since_;
  bool incomplete_armed_ = false;

  // handing over: the session appends here from its thread; the strand drains it.
  // A drain is posted only when the inbox goes from empty to not empty, so batches
  // sent while the strand is busy share one post, and nothing is allocated per batch
  // (the two vectors keep their capacity).
  std::mutex inbox_mutex_;
  std::vector<outbound> inbox_;  // guarded by inbox_mutex_
  bool drain_posted_ = false;    // guarded by inbox_mutex_
  std::vector<outbound> draining_; // strand only

  // direct subscriptions (fanout_sink), strand only
  std::vector<topic_membership> topics_;
  std::size_t holding_ = 0;  // topics whose frames are held
  bool flush_wanted_ = false; // the shard will call flush()
  /// The connection closed and its session has its kept frames: replayable frames that
  /// still arrive go to the session (it may be waiting for its client to come back).
  bool forwarding_ = false;
  /// The last replayable frames given to this connection, in order (PROTOCOL.md §7).
  replay_buffer<shared_frame, frame_weight> kept_;
  std::atomic<std::uint64_t> direct_frames_{0}; // written for the shard, not the session

  // writing: control frames first, then data frames in order
  std::vector<std::pair<protocol::ws_opcode, std::string>> control_;
  std::deque<queued_frame> queue_;
  std::uint64_t popped_ = 0; // frames taken off the queue's front so far
  /// Conflation key -> position (popped_ + index) of the newest waiting frame with it.
  /// Keys point into that frame's bytes.
  std::unordered_map<std::string_view, std::uint64_t> newest_by_key_;
  std::size_t waiting_bytes_ = 0;
  std::size_t inflight_bytes_ = 0;
  write_batch batch_;
  bool writing_ = false;
  /// when_written callbacks, each with the queue position it waits for; a session
  /// has at most a few (one per offline batch), so this stays short.
  struct write_waiter {
    std::uint64_t position;
    std::function<void()> done;
    std::function<void()> abandoned; // may be empty
  };
  std::vector<write_waiter> write_waiters_;

  // closing
  std::string close_frame_;   // our close frame's payload, once we decided to close
  bool close_queued_ = false; // close_frame_ goes out after what is queued
  bool close_sent_ = false;
  bool close_received_ = false;
  bool finished_ = false;
  // Timers cost ~112 bytes each on every connection, so there are as few as can be:
  // the heartbeat only for /ws (Engine.IO pings are the session's), and one deadline
  // that bounds an unfinished inbound message while open and the close handshake once
  // closing (an unfinished message no longer matters then).
  std::unique_ptr<boost::asio::steady_timer> heartbeat_;
  boost::asio::steady_timer deadline_;
};

} // namespace qc
