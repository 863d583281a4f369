#include "actors/ws_connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <caf/send.hpp>

#include "actors/messages.hpp"

namespace qc {

namespace asio = boost::asio;
namespace http = beast::http;
namespace websocket = beast::websocket;

ws_connection::ws_connection(beast::tcp_stream&& stream,
                             std::shared_ptr<gateway_shared> shared, bool engineio)
  : ws_(std::move(stream)), shared_(std::move(shared)), engineio_(engineio) {
}

ws_connection::~ws_connection() {
  std::lock_guard guard{shared_->mutex};
  shared_->open.erase(this);
}

void ws_connection::accept(http::request<http::string_body> req, upgrade_request info) {
  {
    std::lock_guard guard{shared_->mutex};
    shared_->open.emplace(this, weak_from_this());
  }
  auto& cfg = *shared_->cfg;
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  if (engineio_) {
    // Engine.IO has its own ping/pong, run by the session actor.
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
  } else {
    // Plain /ws uses WebSocket pings: one per ping interval, and a peer that sends
    // nothing for two intervals is gone.
    timeouts.idle_timeout = 2 * cfg.engineio.ping_interval;
    timeouts.keep_alive_pings = true;
  }
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "quotecast");
  }));
  ws_.read_message_max(cfg.engineio.max_payload);
  ws_.auto_fragment(false);
  ws_.async_accept(req, [self = shared_from_this(), info = std::move(info)](
                          beast::error_code ec) { self->on_accept(ec, info); });
}

void ws_connection::on_accept(beast::error_code ec, const upgrade_request& info) {
  if (ec)
    return; // the handshake failed; nothing was spawned
  ++shared_->accepted;
  session_ = shared_->hooks.open_session(weak_from_this(), info);
  read_next();
}

void ws_connection::read_next() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_connection::on_read,
                                                    shared_from_this()));
}

void ws_connection::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (ec == websocket::error::message_too_big)
      ++shared_->oversize; // Beast has answered with close code 1009
    notify_closed(ec == websocket::error::closed ? "client closed" : ec.message());
    return;
  }
  auto bytes = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  auto unhandled = ++unhandled_;
  if (ws_.got_text())
    caf::anon_send(session_, ws_text_atom::value, std::move(bytes));
  else
    caf::anon_send(session_, ws_binary_atom::value, std::move(bytes));
  if (unhandled >= max_unhandled_frames) {
    read_paused_ = true; // consumed() resumes once the session has caught up
    return;
  }
  read_next();
}

void ws_connection::consumed() {
  // Called from the session's thread. Crossing the half-way mark downwards happens
  // once per pause, so this posts rarely; resume_reading() ignores a needless post.
  if (--unhandled_ == max_unhandled_frames / 2)
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->resume_reading(); });
}

void ws_connection::resume_reading() {
  if (!read_paused_ || closing_)
    return;
  read_paused_ = false;
  read_next();
}

void ws_connection::notify_closed(const std::string& reason) {
  if (session_) {
    caf::anon_send(session_, ws_closed_atom::value, reason);
    session_ = nullptr;
  }
}

void ws_connection::send(std::vector<out_frame> frames) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frames = std::move(frames)]() mutable {
    self->enqueue(std::move(frames));
  });
}

void ws_connection::enqueue(std::vector<out_frame> frames) {
  if (closing_ || close_after_writes_)
    return;
  std::size_t adding = 0;
  for (auto& f : frames)
    adding += f.bytes->size();
  if (queued_bytes_ + adding > shared_->cfg->limits.max_outbound_bytes) {
    // The client reads slower than we write: drop what waits and let it go, rather
    // than grow without bound or hold up anybody else.
    ++shared_->slow_consumers;
    queue_.erase(writing_ ? std::next(queue_.begin()) : queue_.begin(), queue_.end());
    queued_bytes_ = writing_ ? queue_.front().bytes->size() : 0;
    begin_close(close_code::policy_violation, "slow consumer");
    return;
  }
  queued_bytes_ += adding;
  for (auto& f : frames)
    queue_.push_back(std::move(f));
  if (!writing_)
    write_next();
}

void ws_connection::write_next() {
  if (queue_.empty()) {
    if (close_after_writes_) {
      auto reason = *close_after_writes_;
      close_after_writes_.reset();
      closing_ = true;
      ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {});
    }
    return;
  }
  writing_ = true;
  auto& front = queue_.front();
  ws_.text(!front.binary);
  ws_.async_write(asio::buffer(*front.bytes),
                  beast::bind_front_handler(&ws_connection::on_write, shared_from_this()));
}

void ws_connection::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  queued_bytes_ -= queue_.front().bytes->size();
  queue_.pop_front();
  if (ec) {
    queue_.clear();
    queued_bytes_ = 0;
    return; // the read side sees the failure too and tells the session
  }
  write_next();
}

void ws_connection::close(close_code code, std::string reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
    self->begin_close(code, std::move(reason));
  });
}

void ws_connection::begin_close(close_code code, std::string reason) {
  if (closing_ || close_after_writes_)
    return;
  // A close reason must fit a control frame (125 bytes, 2 of them the code).
  if (reason.size() > 120)
    reason.resize(120);
  close_after_writes_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
  // The session is done with this socket from now on, whoever asked for the close.
  notify_closed(reason);
  if (!writing_)
    write_next();
}

void ws_connection::cut() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored; // the socket may already be gone; cutting is best effort
    beast::get_lowest_layer(self->ws_).socket().close(ignored);
  });
}

} // namespace qc
