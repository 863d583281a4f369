#include "actors/net/ws_connection.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <caf/send.hpp>

#include "actors/common/close_reasons.hpp"
#include "actors/common/frames.hpp"
#include "actors/messages.hpp"

namespace qc {

namespace asio = boost::asio;
namespace http = beast::http;
using protocol::ws_event;
using protocol::ws_opcode;

namespace {

// One write takes at most this much of the queue, so one connection's backlog cannot
// make a single write (and its buffer) arbitrarily large.
constexpr std::size_t max_batch_frames = 256;
constexpr std::size_t max_batch_bytes = 1 << 20;
// Payloads up to this size are copied next to their headers rather than referenced:
// Asio hands at most 64 buffers to one writev, so a header/payload pair per frame
// would cap a syscall at 32 frames, and copying a small frame costs far less than
// the syscall it saves. Larger payloads are referenced, never copied.
constexpr std::size_t copy_payload_max = 1024;
constexpr std::size_t read_chunk = 16 * 1024;
// How long a closing connection waits for the close handshake (and for its last
// writes) before it cuts the socket.

/// A write batch's buffers as a sequence Asio can copy without allocating: the vector
/// they are in stays untouched until the write completes.
struct buffer_view {
  const asio::const_buffer* first;
  const asio::const_buffer* last;
  const asio::const_buffer* begin() const { return first; }
  const asio::const_buffer* end() const { return last; }
};

std::string upgrade_response(beast::string_view key) {
  beast::websocket::detail::sec_ws_accept_type accept;
  beast::websocket::detail::make_sec_ws_accept(accept, key);
  std::string out = "HTTP/1.1 101 Switching Protocols\r\n"
                    "Upgrade: websocket\r\n"
                    "Connection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: ";
  out.append(accept.data(), accept.size());
  out += "\r\nServer: quotecast\r\n\r\n";
  return out;
}

} // namespace

// -- write batch ---------------------------------------------------------------------

void ws_connection::write_batch::note_copied(std::size_t offset, std::size_t size) {
  // Consecutive copied pieces share one segment: they are contiguous in `bytes`.
  if (!segments.empty() && !segments.back().external)
    segments.back().size += size;
  else
    segments.push_back(segment{false, offset, nullptr, size});
}

void ws_connection::write_batch::add_header(ws_opcode opcode, std::size_t payload_size) {
  auto offset = bytes.size();
  protocol::append_frame_header(bytes, opcode, payload_size);
  note_copied(offset, bytes.size() - offset);
}

void ws_connection::write_batch::add_copied(std::string_view s) {
  auto offset = bytes.size();
  bytes.append(s);
  note_copied(offset, s.size());
}

void ws_connection::write_batch::add_referenced(std::shared_ptr<const std::string> payload) {
  segments.push_back(segment{true, 0, payload->data(), payload->size()});
  owners.push_back(std::move(payload));
}

void ws_connection::write_batch::clear() {
  bytes.clear();
  owners.clear();
  segments.clear();
  buffers.clear();
  has_close = false;
}

// -- lifetime and upgrade ------------------------------------------------------------

ws_connection::ws_connection(socket_type&& socket, std::shared_ptr<gateway_shared> shared,
                             bool engineio, fanout_shard& shard)
  : socket_(std::move(socket)),
    shared_(std::move(shared)),
    engineio_(engineio),
    shard_(shard),
    parser_(shared_->cfg->engineio.max_payload),
    deadline_(socket_.get_executor()) {
}

ws_connection::~ws_connection() {
  std::lock_guard guard{shared_->mutex};
  shared_->open.erase(this);
}

void ws_connection::accept(const http::request<http::string_body>& req, upgrade_request info,
                           std::string early_bytes) {
  {
    std::lock_guard guard{shared_->mutex};
    shared_->open.emplace(this, weak_from_this());
  }
  auto early = input_.prepare(early_bytes.size());
  asio::buffer_copy(early, asio::buffer(early_bytes));
  input_.commit(early_bytes.size());
  auto response = std::make_shared<const std::string>(
    upgrade_response(req[http::field::sec_websocket_key]));
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
  if (reading_ || read_paused_ || finished_)
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
    if (parser_.failed() || close_received_) {
      input_.consume(input_.size()); // nothing after this is meaningful
      return;
    }
    auto data = input_.data();
    auto step = parser_.parse({static_cast<const char*>(data.data()), data.size()});
    input_.consume(step.consumed);
    if (!step.event)
      return watch_incomplete(); // a partial frame: wait for more, but not forever
    handle_event(std::move(*step.event));
  }
}

// A message the peer began must be whole within limits.incomplete-message-timeout:
// fragments or a frame's payload trickled in slowly must not pin a connection (and
// up to max-payload bytes of it) for ever.
void ws_connection::watch_incomplete() {
  if (parser_.between_messages() || parser_.failed() || close_queued_ || finished_)
    return;
  if (parser_.messages_begun() != incomplete_message_) {
    incomplete_message_ = parser_.messages_begun();
    incomplete_since_ = std::chrono::steady_clock::now();
  }
  if (incomplete_armed_)
    return;
  incomplete_armed_ = true;
  deadline_.expires_at(incomplete_since_ + shared_->cfg->limits.incomplete_message_timeout);
  deadline_.async_wait(
    beast::bind_front_handler(&ws_connection::on_incomplete_due, shared_from_this()));
}

void ws_connection::on_incomplete_due(beast::error_code ec) {
  incomplete_armed_ = false;
  if (ec || finished_ || close_queued_ || parser_.failed() || parser_.between_messages())
    return;
  auto now = std::chrono::steady_clock::now();
  // Unread input waiting for the session is our delay, not the peer's; a message
  // begun since the timer was set gets its own full time.
  if (read_paused_ || parser_.messages_begun() != incomplete_message_) {
    incomplete_message_ = parser_.messages_begun();
    incomplete_since_ = now;
  } else if (now - incomplete_since_ >= shared_->cfg->limits.incomplete_message_timeout) {
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
    auto unhandled = ++unhandled_;
    if (event.type == ws_event::kind::text)
      caf::anon_send(session_, ws_text_atom::value, std::move(event.payload));
    else
      caf::anon_send(session_, ws_binary_atom::value, std::move(event.payload));
    if (unhandled >= max_unhandled_frames)
      pause_reading();
    return;
  }
  case ws_event::kind::ping:
    if (!close_queued_)
      queue_control(ws_opcode::pong, std::move(event.payload));
    return;
  case ws_event::kind::pong:
    return; // only proves the peer alive, which reading it already did
  case ws_event::kind::close:
    close_received_ = true;
    if (close_queued_) {
      drop_queue(); // the peer reads no more data
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

void ws_connection::consumed() {
  // Called from the session's thread. Crossing the half-way mark downwards happens
  // once per pause, so this posts rarely; resume_reading() ignores a needless post.
  if (--unhandled_ == max_unhandled_frames / 2)
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->resume_reading(); });
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

// -- writing: from the session -------------------------------------------------------

void ws_connection::send(std::vector<out_frame> frames) {
  send_all(frames);
}

// Called from the session's thread. A drain is posted only when the inbox goes from
// empty to not empty, so what the session hands over while the strand is busy shares
// one post.
template <class Fill>
void ws_connection::add_to_inbox(Fill&& fill) {
  bool post = false;
  {
    std::lock_guard lock(inbox_mutex_);
    fill(inbox_);
    post = !std::exchange(drain_posted_, true);
  }
  if (post)
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->drain_inbox(); });
}

void ws_connection::send_all(std::span<out_frame> frames) {
  add_to_inbox([&](std::vector<outbound>& inbox) {
    for (auto& f : frames)
      inbox.push_back(outbound{true, std::move(f)});
  });
}

void ws_connection::remember(std::vector<shared_frame> frames) {
  add_to_inbox([&](std::vector<outbound>& inbox) {
    for (auto& f : frames)
      inbox.push_back(outbound{false, frame_for(f, transport())});
  });
}

// Runs `work` on the strand after what the session handed over before this call, in
// a post of its own: an inbox drain posted earlier could run before work that others
// (a stream's join) posted since.
template <class Work>
void ws_connection::after_inbox(Work work) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), work = std::move(work)]() mutable {
    self->drain_inbox();
    work(*self);
  });
}

// After the reply and the snapshot, and after the stream's join of this topic.
void ws_connection::release(topic_id topic) {
  after_inbox([topic](ws_connection& self) {
    self.release_now(topic);
    self.write_next();
  });
}

std::shared_ptr<fanout_sink> ws_connection::sink() {
  return shared_from_this();
}

// On the strand: everything the session handed over so far, in order. Whatever the
// session asks after a send (when_written, close) drains first, so it stays in order
// with the frames.
void ws_connection::drain_inbox() {
  {
    std::lock_guard lock(inbox_mutex_);
    draining_.swap(inbox_);
    drain_posted_ = false;
  }
  if (draining_.empty())
    return;
  for (auto& item : draining_) {
    if (item.write)
      write_from_session(std::move(item.frame));
    else if (!forwarding_)
      record(shared_frame(item.frame.bytes, item.frame.source));
  }
  draining_.clear();
  write_next();
}

void ws_connection::write_from_session(out_frame frame) {
  if (frame.source && !frame.source->offset.empty()) {
    shared_frame whole(frame.bytes, frame.source); // same owner as the bytes
    if (forwarding_)
      return forward(std::move(whole));
    record(std::move(whole));
  }
  if (close_queued_ || finished_)
    return; // closing (maybe just now, as a slow consumer): nothing more goes out
  enqueue_one(std::move(frame));
}

void ws_connection::record(shared_frame frame) {
  auto& rec = shared_->cfg->recovery;
  kept_.push(std::move(frame), rec.inflight_packets, rec.inflight_bytes,
             [](shared_frame&&, std::uint64_t) {}); // the oldest simply goes
}

void ws_connection::forward(shared_frame frame) {
  if (owner_)
    caf::anon_send(owner_, deliver_atom::value, std::move(frame));
}

// -- writing: from the shard (fanout_sink) ---------------------------------------------

void ws_connection::joined(topic_id topic, const std::string& symbol) {
  // Once closed, frames go back to the session (take()), so there is nothing to hold.
  topics_.push_back(topic_membership{topic, symbol, !forwarding_, {}, 0});
  if (!forwarding_)
    ++holding_;
}

void ws_connection::left(topic_id topic, bool replaced) {
  auto it = std::find_if(topics_.begin(), topics_.end(),
                         [&](const topic_membership& t) { return t.id == topic; });
  if (it == topics_.end())
    return;
  if (replaced && owner_) // a recovered session has the subscription: no more frames come here
    caf::anon_send(owner_, detached_atom::value, it->symbol);
  if (it->holding)
    --holding_;
  *it = std::move(topics_.back());
  topics_.pop_back();
}

ws_connection::topic_membership* ws_connection::membership(topic_id topic) {
  for (auto& t : topics_)
    if (t.id == topic)
      return &t;
  return nullptr;
}

bool ws_connection::take(topic_id topic, const shared_frame& frame) {
  if (forwarding_) {
    if (!frame->offset.empty())
      forward(frame);
    return false;
  }
  if (holding_ > 0)
    if (auto* t = membership(topic); t && t->holding) {
      if (t->held.size() == max_held_frames) { // the session is very late: conflate
        t->held.erase(t->held.begin());
        ++t->skipped;
        ++shared_->conflated;
      }
      t->held.push_back(frame);
      return false;
    }
  write_from_stream(frame);
  return !std::exchange(flush_wanted_, true);
}

void ws_connection::flush() {
  flush_wanted_ = false;
  write_next();
}

// `skipped`: ticks of this frame's stream that were dropped just before it; the client
// is told in the frame, as for any conflation (PROTOCOL.md §9).
void ws_connection::write_from_stream(const shared_frame& frame, std::uint64_t skipped) {
  if (!frame->offset.empty())
    record(frame);
  if (close_queued_ || finished_)
    return;
  direct_frames_.fetch_add(1, std::memory_order_relaxed);
  enqueue_one(frame_for(frame, transport()), skipped);
}

void ws_connection::release_now(topic_id topic) {
  auto* t = membership(topic);
  if (!t || !t->holding)
    return;
  t->holding = false;
  --holding_;
  auto held = std::move(t->held);
  auto skipped = std::exchange(t->skipped, 0);
  for (auto& frame : held)
    write_from_stream(frame, std::exchange(skipped, 0));
}

// -- writing: the queue ----------------------------------------------------------------

void ws_connection::when_written(std::function<void()> done) {
  when_written(std::move(done), {});
}

void ws_connection::when_written(std::function<void()> done, std::function<void()> abandoned) {
  after_inbox([done = std::move(done), abandoned = std::move(abandoned)](ws_connection& self) mutable {
    if (self.finished_ || self.close_queued_) {
      if (abandoned) // it may never go out: the caller keeps the message
        abandoned();
      return;
    }
    self.write_waiters_.push_back(
      write_waiter{self.popped_ + self.queue_.size(), std::move(done), std::move(abandoned)});
    if (!self.writing_)
      self.call_write_waiters();
  });
}

// Frames before popped_ have all been written once no write is in flight.
void ws_connection::call_write_waiters() {
  if (write_waiters_.empty())
    return;
  auto due = std::find_if(write_waiters_.begin(), write_waiters_.end(),
                          [this](const auto& w) { return w.position > popped_; });
  std::vector<std::function<void()>> ready;
  for (auto it = write_waiters_.begin(); it != due; ++it)
    ready.push_back(std::move(it->done));
  write_waiters_.erase(write_waiters_.begin(), due);
  for (auto& done : ready)
    done();
}

void ws_connection::enqueue_one(out_frame frame, std::uint64_t skipped) {
  auto& limits = shared_->cfg->limits;
  bool conflated = !frame.conflate_key.empty() &&
                   unwritten_bytes() > limits.soft_outbound_bytes && conflate(frame, skipped);
  if (!conflated) {
    // Only a queue on its way to the soft bound will conflate: while it is below half
    // of it and no key is tracked, skip the bookkeeping (a hash per frame on the
    // busiest thread). Once any key is tracked, keep every entry current, or a stale
    // one would let a newer tick be written into an older frame's place and go out
    // before a frame that came after it.
    if (!frame.conflate_key.empty()
        && (!newest_by_key_.empty() || unwritten_bytes() >= limits.soft_outbound_bytes / 2))
      remember_newest(frame.conflate_key, popped_ + queue_.size());
    waiting_bytes_ += frame.bytes->size();
    queue_.push_back(queued_frame{std::move(frame), skipped});
  }
  if (unwritten_bytes() > limits.max_outbound_bytes) {
    // The client reads slower than we write: drop what waits and let it go, rather
    // than grow without bound or hold up anybody else.
    ++shared_->slow_consumers;
    begin_close(close_code::policy_violation, "slow consumer", false);
  }
}

// The queue is past the soft bound: the newest waiting frame of this key (say, a
// symbol) is replaced in place. Keeping its position rather than appending means a
// busy symbol still goes out as early as its first unwritten tick would have, with
// the newest value, instead of being pushed behind everything queued since.
bool ws_connection::conflate(out_frame& frame, std::uint64_t skipped) {
  // Take the entry out while its key still points into the waiting frame: replacing
  // that frame frees the bytes the key views.
  auto node = newest_by_key_.extract(frame.conflate_key);
  if (node.empty())
    return false;
  auto& waiting = queue_[node.mapped() - popped_];
  waiting_bytes_ = waiting_bytes_ - waiting.frame.bytes->size() + frame.bytes->size();
  waiting.frame = std::move(frame);
  waiting.skipped += 1 + skipped;
  ++shared_->conflated;
  node.key() = waiting.frame.conflate_key;
  newest_by_key_.insert(std::move(node));
  return true;
}

void ws_connection::remember_newest(std::string_view key, std::uint64_t position) {
  auto node = newest_by_key_.extract(key);
  if (node.empty()) {
    newest_by_key_.emplace(key, position);
    return;
  }
  node.key() = key;
  node.mapped() = position;
  newest_by_key_.insert(std::move(node));
}

// What they waited for will not be written.
void ws_connection::abandon_write_waiters() {
  auto waiters = std::move(write_waiters_);
  write_waiters_.clear();
  for (auto& w : waiters)
    if (w.abandoned)
      w.abandoned();
}

void ws_connection::drop_queue() {
  abandon_write_waiters();
  queue_.clear();
  newest_by_key_.clear();
  waiting_bytes_ = 0;
}

void ws_connection::queue_control(ws_opcode opcode, std::string payload) {
  // One waiting frame of each kind is enough: only the newest pong matters (RFC 6455
  // §5.5.3), which bounds this list for a client that pings without reading.
  auto same = std::find_if(control_.begin(), control_.end(),
                           [&](const auto& c) { return c.first == opcode; });
  if (same != control_.end())
    same->second = std::move(payload);
  else
    control_.emplace_back(opcode, std::move(payload));
  write_next();
}

void ws_connection::write_next() {
  while (!writing_ && !finished_ && !close_sent_) {
    fill_batch();
    if (batch_.segments.empty())
      return;
    auto& buffers = batch_.buffers;
    std::size_t total = 0;
    for (auto& s : batch_.segments) {
      buffers.emplace_back(s.external ? s.data : batch_.bytes.data() + s.offset, s.size);
      total += s.size;
    }
    writing_ = true;
    // Most batches fit in the socket's buffer: try at once (the socket is non-blocking).
    // An asynchronous write costs a handler, the reactor's lock and a trip through the
    // scheduler and the strand, more than the syscall itself on a busy fan-out.
    beast::error_code ec;
    auto written = socket_.write_some(buffer_view{buffers.data(), buffers.data() + buffers.size()}, ec);
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
    auto first = buffers.begin();
    while (written >= first->size()) {
      written -= first->size();
      ++first;
    }
    *first += written;
    asio::async_write(socket_, buffer_view{&*first, buffers.data() + buffers.size()},
                      beast::bind_front_handler(&ws_connection::on_write, shared_from_this()));
    return;
  }
}

// Takes control frames, then as much of the queue as one batch may hold, then the
// close frame once nothing else waits.
void ws_connection::fill_batch() {
  batch_.clear();
  for (auto& [opcode, payload] : control_) {
    batch_.add_header(opcode, payload.size());
    batch_.add_copied(payload);
  }
  control_.clear();
  std::size_t frames = 0;
  while (!queue_.empty() && frames < max_batch_frames && inflight_bytes_ < max_batch_bytes) {
    take_front();
    ++frames;
  }
  if (queue_.empty() && close_queued_) {
    batch_.add_header(ws_opcode::close, close_frame_.size());
    batch_.add_copied(close_frame_);
    batch_.has_close = true;
  }
}

void ws_connection::take_front() {
  auto waiting = std::move(queue_.front());
  queue_.pop_front();
  auto& key = waiting.frame.conflate_key;
  if (!key.empty())
    if (auto it = newest_by_key_.find(key); it != newest_by_key_.end() && it->second == popped_)
      newest_by_key_.erase(it); // no newer frame of this key waits
  ++popped_;
  waiting_bytes_ -= waiting.frame.bytes->size();
  auto payload = std::move(waiting.frame.bytes);
  if (waiting.skipped > 0) // tell the client how many ticks it did not see
    payload = std::make_shared<const std::string>(
      protocol::with_conflated_count(*payload, waiting.skipped));
  inflight_bytes_ += payload->size();
  batch_.add_header(waiting.frame.binary ? ws_opcode::binary : ws_opcode::text, payload->size());
  if (payload->size() <= copy_payload_max)
    batch_.add_copied(*payload);
  else
    batch_.add_referenced(std::move(payload));
}

void ws_connection::on_write(beast::error_code ec, std::size_t) {
  if (batch_done(ec))
    write_next();
}

// The batch in flight is written (or failed); false if writing stops here.
bool ws_connection::batch_done(beast::error_code ec) {
  writing_ = false;
  inflight_bytes_ = 0;
  bool sent_close = batch_.has_close;
  batch_.clear(); // releases the payloads it referenced
  if (ec) {
    drop_queue();
    finish(); // the read side then fails too and tells the session
    return false;
  }
  call_write_waiters();
  if (sent_close) {
    close_sent_ = true;
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
  if (finished_ || close_queued_)
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

void ws_connection::close(close_code code, std::string reason) {
  // The session's closes for inbound abuse are counted here, with the read side's own.
  if (reason == flood_close_reason)
    ++shared_->floods;
  else if (reason == incomplete_close_reason)
    ++shared_->incomplete;
  // What the session said before closing goes out first.
  after_inbox([code, reason = std::move(reason)](ws_connection& self) mutable {
    self.begin_close(code, std::move(reason), true);
  });
}

// Queues our close frame: after what is queued when `flush`, else at once (after the
// write in flight). The session is done with this socket from now on, whoever asked.
void ws_connection::begin_close(close_code code, std::string reason, bool flush) {
  if (close_queued_ || finished_)
    return;
  close_queued_ = true;
  auto raw = static_cast<std::uint16_t>(code);
  // A peer's close without a code is echoed without one.
  close_frame_ = raw == protocol::ws_close::no_status ? std::string()
                                                      : protocol::close_payload(raw, reason);
  notify_closed(reason);
  if (!flush)
    drop_queue();
  // Re-arming the deadline cancels a wait for an unfinished message (its handler sees
  // operation_aborted, or close_queued_ if it was already due).
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
  if (close_sent_ && (close_received_ || parser_.failed()))
    finish();
}

// The end, however it came: stop the timers and close the socket, sending FIN rather
// than a reset (shutdown first). Pending operations complete with errors and drop
// their hold on this object.
void ws_connection::finish() {
  if (finished_)
    return;
  finished_ = true;
  paused_self_.reset();
  abandon_write_waiters(); // nothing more is written
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
  forwarding_ = true;
  if (!session_)
    return;
  closed_state state;
  state.kept = kept_.take();
  for (auto& t : topics_) {
    for (auto& frame : t.held)
      if (!frame->offset.empty())
        state.kept.push_back(std::move(frame));
    t.held.clear();
    t.holding = false;
  }
  holding_ = 0;
  state.direct_frames = direct_frames();
  caf::anon_send(session_, ws_closed_atom::value, reason, std::move(state));
  session_ = nullptr;
}

void ws_connection::cut() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish(); });
}

} // namespace qc
