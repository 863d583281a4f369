#include "actors/net/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <caf/send.hpp>

#include "actors/common/close_reasons.hpp"
#include "actors/messages.hpp"
#include "actors/net/ws_upgrade_reply.hpp"

namespace qc {

namespace asio = boost::asio;
using protocol::ws_event;
using protocol::ws_opcode;

namespace {

constexpr std::size_t read_chunk = 16 * 1024;

/// A write batch's buffers as a sequence Asio can copy without allocating: the vector
/// they are in stays untouched until the write completes.
struct buffer_view {
  const asio::const_buffer* first;
  const asio::const_buffer* last;
  const asio::const_buffer* begin() const { return first; }
  const asio::const_buffer* end() const { return last; }
};

} // namespace

// -- lifetime and upgrade ------------------------------------------------------------

ws_connection::ws_connection(socket_type&& socket, std::shared_ptr<gateway_shared> shared,
                             bool engineio, fanout_shard& shard)
  : socket_(std::move(socket)),
    shared_(std::move(shared)),
    shard_(shard),
    engineio_(engineio),
    parser_(shared_->cfg->engineio.max_payload),
    router_(*this, close_, *shared_->cfg,
            engineio ? transport_kind::socketio : transport_kind::json),
    deadline_(socket_.get_executor()) {
}

ws_connection::~ws_connection() {
  std::lock_guard guard{shared_->mutex};
  shared_->open.erase(this);
}

void ws_connection::accept(std::string_view sec_websocket_key, upgrade_request info,
                           std::string early_bytes) {
  {
    std::lock_guard guard{shared_->mutex};
    shared_->open.emplace(this, weak_from_this());
  }
  auto early = input_.prepare(early_bytes.size());
  asio::buffer_copy(early, asio::buffer(early_bytes));
  input_.commit(early_bytes.size());
  auto response = std::make_shared<const std::string>(ws_upgrade_reply(sec_websocket_key));
  asio::async_write(socket_, asio::buffer(*response),
                    [self = shared_from_this(), response, info = std::move(info)](
                      beast::error_code ec, std::size_t) { self->on_upgraded(ec, info); });
}

void ws_connection::on_upgraded(beast::error_code ec, const upgrade_request& info) {
  if (ec)
    return finish(); // nothing was spawned
  ++shared_->accepted;
  socket_.non_blocking(true, ec); // reads and writes are tried at once (on_readable, write_next)
  if (ec)
    return finish();
  session_ = shared_->hooks.open_session(weak_from_this(), info);
  owner_ = session_;
  last_heard_ = std::chrono::steady_clock::now();
  if (!engineio_)
    arm_heartbeat(); // Engine.IO pings are the session's
  process_input();   // what the client sent right behind its request
  read_next();
}

// -- reading -------------------------------------------------------------------------

void ws_connection::read_next() {
  if (reading_ || read_paused_ || close_.finished())
    return;
  reading_ = true;
  // Wait for data without lending the kernel a buffer: an idle connection (most of
  // them) then holds no read buffer at all; the buffer exists only while bytes do.
  socket_.async_wait(socket_type::wait_read,
                     beast::bind_front_handler(&ws_connection::on_readable, shared_from_this()));
}

void ws_connection::on_readable(beast::error_code ec) {
  if (ec) {
    on_read(ec, 0);
    return;
  }
  auto bytes = socket_.read_some(input_.prepare(read_chunk), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    reading_ = false; // a spurious wake-up: wait again
    read_next();
    return;
  }
  on_read(ec, bytes);
}

void ws_connection::on_read(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (ec) {
    // EOF after our close frame is the normal end; anything else ends it too.
    notify_closed(ec == asio::error::eof ? "client disconnected" : ec.message());
    finish();
    return;
  }
  input_.commit(bytes);
  last_heard_ = std::chrono::steady_clock::now();
  process_input();
  if (input_.size() == 0)
    input_.shrink_to_fit(); // give the buffer back until more bytes come
  read_next();
}

void ws_connection::process_input() {
  while (!read_paused_ && input_.size() > 0) {
    if (parser_.failed() || close_.was_received()) {
      input_.consume(input_.size()); // nothing after this is meaningful
      return;
    }
    auto data = input_.data();
    auto step = parser_.parse({static_cast<const char*>(data.data()), data.size()});
    input_.consume(step.consumed);
    if (!step.event)
      return watch_incomplete();
    handle_event(std::move(*step.event));
  }
}

// A partial frame: wait for more, but not forever (incomplete_message_watch).
void ws_connection::watch_incomplete() {
  if (parser_.between_messages() || parser_.failed() || close_.ending())
    return;
  auto check_at = incomplete_.unfinished(parser_.messages_begun(), std::chrono::steady_clock::now(),
                                         shared_->cfg->limits.incomplete_message_timeout);
  if (!check_at)
    return;
  deadline_.expires_at(*check_at);
  deadline_.async_wait(
    beast::bind_front_handler(&ws_connection::on_incomplete_due, shared_from_this()));
}

void ws_connection::on_incomplete_due(beast::error_code ec) {
  incomplete_.checked();
  if (ec || close_.ending() || parser_.failed() || parser_.between_messages())
    return;
  if (incomplete_.overdue(parser_.messages_begun(), read_paused_, std::chrono::steady_clock::now(),
                          shared_->cfg->limits.incomplete_message_timeout)) {
    ++shared_->incomplete;
    return begin_close(close_code::policy_violation, std::string(incomplete_close_reason), false);
  }
  watch_incomplete();
}

void ws_connection::handle_event(ws_event event) {
  switch (event.type) {
  case ws_event::kind::text:
  case ws_event::kind::binary: {
    if (!session_)
      return; // closing: the session is gone
    bool pause = credit_.forwarded();
    if (event.type == ws_event::kind::text)
      caf::anon_send(session_, ws_text_atom::value, std::move(event.payload));
    else
      caf::anon_send(session_, ws_binary_atom::value, std::move(event.payload));
    if (pause)
      pause_reading();
    return;
  }
  case ws_event::kind::ping:
    if (!close_.closing())
      queue_control(ws_opcode::pong, std::move(event.payload));
    return;
  case ws_event::kind::pong:
    return; // only proves the peer alive, which reading it already did
  case ws_event::kind::close:
    close_.received();
    if (close_.closing()) {
      queue().drop(); // the peer reads no more data
      return after_close_exchange();
    }
    // Echo the peer's code (none if it gave none) and stop sending it data.
    begin_close(static_cast<close_code>(event.code), "client closed", false);
    return;
  case ws_event::kind::error:
    if (event.code == protocol::ws_close::too_big)
      ++shared_->oversize;
    begin_close(static_cast<close_code>(event.code), event.reason, false);
    return;
  }
}

// consumed() resumes once the session has caught up. Without a pending read nothing
// might own this object meanwhile (no write, no timer), so it holds itself until then.
void ws_connection::pause_reading() {
  read_paused_ = true;
  paused_self_ = shared_from_this();
}

void ws_connection::resume_reading() {
  if (!read_paused_)
    return;
  read_paused_ = false;
  paused_self_.reset();
  process_input(); // what was read before the pause comes first
  read_next();
}

// -- writing ---------------------------------------------------------------------------

void ws_connection::queue_control(ws_opcode opcode, std::string payload) {
  queue().push_control(opcode, std::move(payload));
  write_next();
}

// Control frames, then as much of the queue as one batch may hold, then our close
// frame once nothing else waits.
void ws_connection::write_next() {
  while (!writing_ && !close_.finished() && !close_.was_sent()) {
    queue().fill(batch_);
    if (queue().empty() && close_.closing())
      batch_.add_close(close_.payload());
    if (batch_.empty())
      return;
    std::size_t total = 0;
    for (auto& s : batch_.segments()) {
      buffers_.emplace_back(batch_.data(s), s.size);
      total += s.size;
    }
    writing_ = true;
    // Most batches fit in the socket's buffer: try at once (the socket is non-blocking).
    // An asynchronous write costs a handler, the reactor's lock and a trip through the
    // scheduler and the strand, more than the syscall itself on a busy fan-out.
    beast::error_code ec;
    auto written = socket_.write_some(buffer_view{buffers_.data(), buffers_.data() + buffers_.size()}, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      written = 0;
    }
    if (ec || written == total) {
      if (!batch_done(ec))
        return;
      continue;
    }
    // The socket's buffer is full: the rest goes when the peer has read enough.
    auto first = buffers_.begin();
    while (written >= first->size()) {
      written -= first->size();
      ++first;
    }
    *first += written;
    asio::async_write(socket_, buffer_view{&*first, buffers_.data() + buffers_.size()},
                      beast::bind_front_handler(&ws_connection::on_write, shared_from_this()));
    return;
  }
}

void ws_connection::on_write(beast::error_code ec, std::size_t) {
  if (batch_done(ec))
    write_next();
}

// The batch in flight is written (or failed); false if writing stops here.
bool ws_connection::batch_done(beast::error_code ec) {
  writing_ = false;
  queue().batch_written();
  bool sent_close = batch_.has_close();
  batch_.clear(); // releases the payloads it referenced
  buffers_.clear();
  if (ec) {
    queue().drop();
    finish(); // the read side then fails too and tells the session
    return false;
  }
  queue().call_due_waiters();
  if (sent_close) {
    close_.sent();
    after_close_exchange();
    return false;
  }
  return true;
}

// -- heartbeat and closing -----------------------------------------------------------

// Plain /ws clients get a WebSocket ping every ping interval; one that has sent
// nothing at all (no pong, no message) for two intervals is cut, as a dead peer
// would not answer a close frame either.
void ws_connection::arm_heartbeat() {
  if (!heartbeat_)
    heartbeat_ = std::make_unique<boost::asio::steady_timer>(socket_.get_executor());
  heartbeat_->expires_after(shared_->cfg->engineio.ping_interval);
  heartbeat_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->on_heartbeat();
  });
}

void ws_connection::on_heartbeat() {
  if (close_.ending())
    return;
  auto silent = std::chrono::steady_clock::now() - last_heard_;
  // A paused reader has unread input, so the peer is not silent.
  if (!read_paused_ && silent >= 2 * shared_->cfg->engineio.ping_interval) {
    notify_closed("ping timeout");
    return finish();
  }
  queue_control(ws_opcode::ping, {});
  arm_heartbeat();
}

// Queues our close frame: after what is queued when `flush`, else at once (after the
// write in flight). The session is done with this socket from now on, whoever asked.
void ws_connection::begin_close(close_code code, std::string reason, bool flush) {
  if (!close_.begin(static_cast<std::uint16_t>(code), reason))
    return;
  notify_closed(reason);
  if (!flush)
    queue().drop();
  // Re-arming the deadline cancels a wait for an unfinished message (its handler sees
  // operation_aborted, or closing if it was already due).
  deadline_.expires_after(shared_->cfg->limits.close_timeout);
  deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->finish(); // the peer did not finish the handshake (or read our writes) in time
  });
  // Keep reading: the peer's close frame (or EOF) ends the handshake.
  resume_reading();
  read_next();
  write_next();
}

// Our close frame is out: done once the peer's came back, or at once when its input
// could not be parsed (then no close frame of its can be read either).
void ws_connection::after_close_exchange() {
  if (close_.exchanged(parser_.failed()))
    finish();
}

// The end, however it came: stop the timers and close the socket, sending FIN rather
// than a reset (shutdown first). Pending operations complete with errors and drop
// their hold on this object.
void ws_connection::finish() {
  if (!close_.finish())
    return;
  paused_self_.reset();
  queue().abandon_waiters(); // nothing more is written
  notify_closed("connection closed");
  if (heartbeat_)
    heartbeat_->cancel();
  deadline_.cancel();
  beast::error_code ignored; // the peer may be gone already; closing is best effort
  socket_.shutdown(socket_type::shutdown_send, ignored);
  socket_.close(ignored);
}

// The session gets what it needs to wait for its client: the frames kept for replay
// and those still held for it (never written), in order. Replayable frames that arrive
// from now on follow them as messages.
void ws_connection::notify_closed(const std::string& reason) {
  if (!session_) {
    router_.close(); // nobody waits for what it kept
    return;
  }
  closed_state state;
  state.kept = router_.close();
  state.direct_frames = direct_frames();
  caf::anon_send(session_, ws_closed_atom::value, reason, std::move(state));
  session_ = nullptr;
}

} // namespace qc
