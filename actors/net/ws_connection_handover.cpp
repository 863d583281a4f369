// The thread boundary of a ws_connection: what its session (another thread) and its
// I/O shard (its own strand) hand it. The session's frames and requests go through an
// inbox drained on the strand, in order; the shard calls in directly. Where each frame
// then goes is the outbound_router's business; the socket side is ws_connection.cpp.

#include "actors/net/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <caf/send.hpp>

#include "actors/common/close_reasons.hpp"
#include "actors/common/frames.hpp"
#include "actors/messages.hpp"

namespace qc {

namespace asio = boost::asio;

// -- what the session hands over -------------------------------------------------------

void ws_connection::send(std::vector<out_frame> frames) {
  send_all(frames);
}

// Called from the session's thread. What the session hands over while the strand is
// busy shares one posted drain.
template <class Fill>
void ws_connection::add_to_inbox(Fill&& fill) {
  if (inbox_.add(std::forward<Fill>(fill)))
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
    self.router_.release(topic);
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
  auto& draining = inbox_.take();
  if (draining.empty())
    return;
  for (auto& item : draining) {
    if (item.write)
      router_.from_session(std::move(item.frame));
    else
      router_.remember(item.frame);
  }
  draining.clear();
  write_next();
}

void ws_connection::when_written(std::function<void()> done) {
  when_written(std::move(done), {});
}

void ws_connection::when_written(std::function<void()> done, std::function<void()> abandoned) {
  after_inbox([done = std::move(done), abandoned = std::move(abandoned)](ws_connection& self) mutable {
    if (self.close_.ending()) {
      if (abandoned) // it may never go out: the caller keeps the message
        abandoned();
      return;
    }
    self.queue().when_written(std::move(done), std::move(abandoned));
    if (!self.writing_)
      self.queue().call_due_waiters();
  });
}

// -- what the shard hands over (fanout_sink) -------------------------------------------

void ws_connection::joined(topic_id topic, const std::string& symbol) {
  router_.join(topic, symbol);
}

void ws_connection::left(topic_id topic, bool replaced) {
  auto symbol = router_.leave(topic);
  if (symbol && replaced && owner_) // a recovered session has the subscription: no more frames come here
    caf::anon_send(owner_, detached_atom::value, std::move(*symbol));
}

bool ws_connection::take(topic_id topic, const shared_frame& frame) {
  return router_.from_stream(topic, frame) && !std::exchange(flush_wanted_, true);
}

void ws_connection::flush() {
  flush_wanted_ = false;
  write_next();
}

// -- routing_owner -----------------------------------------------------------------------

void ws_connection::forward_to_session(shared_frame frame) {
  if (owner_)
    caf::anon_send(owner_, deliver_atom::value, std::move(frame));
}

void ws_connection::conflated() {
  ++shared_->conflated;
}

// The client reads slower than we write: drop what waits and let it go, rather than
// grow without bound or hold up anybody else.
void ws_connection::slow_consumer() {
  ++shared_->slow_consumers;
  begin_close(close_code::policy_violation, "slow consumer", false);
}

// -- requests from the session --------------------------------------------------------

void ws_connection::consumed() {
  // Called from the session's thread. Crossing the half-way mark downwards happens
  // once per pause, so this posts rarely; resume_reading() ignores a needless post.
  if (credit_.consumed())
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->resume_reading(); });
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

void ws_connection::cut() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish(); });
}

} // namespace qc
