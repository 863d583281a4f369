#pragma once
// A WebSocket connection after the HTTP upgrade: the socket's I/O and nothing else.
// It speaks WebSocket itself over a plain TCP socket (framing in
// protocol/websocket_frames) rather than through Beast's websocket::stream, because
// Beast writes one message per write: here everything that is queued while a write is
// in flight goes out in the next write, many frames in one syscall. Reads are
// forwarded to the session actor. It is also a stream's direct subscriber
// (fanout_sink): its shard hands it ticks on the strand all the shard's connections
// share. Owned by its pending I/O and by the topics it is a member of.
//
// The decisions are pure classes beside it: where a frame goes (outbound_router), what
// is written and when (outbound_queue, write_batch), which topics hold their frames
// (topic_holds), when reading pauses (read_credit), when an unfinished inbound message
// is overdue (incomplete_message_watch), the session's hand-over (handover_inbox), the
// close handshake (close_handshake) and the 101 reply (ws_upgrade_reply). The thread
// boundary (session and shard calls) is in ws_connection_handover.cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <caf/actor.hpp>

#include "actors/net/close_handshake.hpp"
#include "actors/net/connection.hpp"
#include "actors/net/fanout.hpp"
#include "actors/net/gateway_shared.hpp"
#include "actors/net/handover_inbox.hpp"
#include "actors/net/incomplete_message_watch.hpp"
#include "actors/net/outbound_queue.hpp"
#include "actors/net/outbound_router.hpp"
#include "actors/net/read_credit.hpp"
#include "actors/net/write_batch.hpp"
#include "actors/session/identity.hpp"
#include "protocol/websocket_frames.hpp"

namespace qc {

namespace beast = boost::beast;

class ws_connection final : public connection,
                            public fanout_sink,
                            private routing_owner,
                            public std::enable_shared_from_this<ws_connection> {
public:
  using socket_type = boost::asio::ip::tcp::socket;

  /// `socket` runs on `shard`'s strand.
  ws_connection(socket_type&& socket, std::shared_ptr<gateway_shared> shared, bool engineio,
                fanout_shard& shard);
  ~ws_connection() override;

  /// Answers the (already validated) upgrade request that carried `sec_websocket_key`
  /// with 101, then spawns the session actor and starts reading. `early_bytes` are what
  /// the client sent after its request and the HTTP reader already took.
  void accept(std::string_view sec_websocket_key, upgrade_request info, std::string early_bytes);

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
  std::uint64_t direct_frames() const override { return router_.direct_frames(); }

  // fanout_sink, on the strand
  fanout_shard& shard() override { return shard_; }
  void joined(topic_id topic, const std::string& symbol) override;
  void left(topic_id topic, bool replaced) override;
  bool take(topic_id topic, const shared_frame& frame) override;
  void flush() override;

  /// Cuts the TCP connection at once (shutdown after the grace period).
  void cut();

private:
  /// What a session hands over, in order: frames to write, and frames to remember only.
  struct outbound {
    bool write = true;
    out_frame frame;
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

  // what the session hands over (ws_connection_handover.cpp)
  template <class Fill>
  void add_to_inbox(Fill&& fill);
  template <class Work>
  void after_inbox(Work work);
  void drain_inbox();
  transport_kind transport() const {
    return engineio_ ? transport_kind::socketio : transport_kind::json;
  }

  // routing_owner
  void forward_to_session(shared_frame frame) override;
  void conflated() override;
  void slow_consumer() override;

  // writing
  outbound_queue& queue() { return router_.queue(); }
  void queue_control(protocol::ws_opcode opcode, std::string payload);
  void write_next();
  void on_write(beast::error_code ec, std::size_t bytes);
  bool batch_done(beast::error_code ec);

  // heartbeat and closing
  void arm_heartbeat();
  void on_heartbeat();
  void begin_close(close_code code, std::string reason, bool flush);
  void after_close_exchange();
  void finish();
  void notify_closed(const std::string& reason);

  socket_type socket_;
  std::shared_ptr<gateway_shared> shared_;
  fanout_shard& shard_;
  address_ticket ticket_;
  caf::actor session_; // until it is told the connection closed
  caf::actor owner_;   // the session, for good: frames that arrive after the close go back to it

  // Flags side by side, so that they share one word of every connection.
  bool engineio_;
  bool reading_ = false;
  bool read_paused_ = false;
  bool flush_wanted_ = false; // the shard will call flush()
  bool writing_ = false;

  // reading
  beast::flat_buffer input_;
  protocol::ws_frame_parser parser_;
  read_credit<max_unhandled_frames> credit_; // frames sent to the session, not yet handled
  std::shared_ptr<ws_connection> paused_self_; // set while paused, see pause_reading()
  std::chrono::steady_clock::time_point last_heard_;
  incomplete_message_watch incomplete_;

  // handing over: the session appends from its thread; the strand drains.
  handover_inbox<outbound> inbox_;

  // closing: declared before router_, which reads it
  close_handshake close_;

  // writing, strand only
  outbound_router router_;
  write_batch batch_;
  std::vector<boost::asio::const_buffer> buffers_; // batch_'s segments, for the write in flight

  // Timers cost ~112 bytes each on every connection, so there are as few as can be:
  // the heartbeat only for /ws (Engine.IO pings are the session's), and one deadline
  // that bounds an unfinished inbound message while open and the close handshake once
  // closing (an unfinished message no longer matters then).
  std::unique_ptr<boost::asio::steady_timer> heartbeat_;
  boost::asio::steady_timer deadline_;
};

} // namespace qc
