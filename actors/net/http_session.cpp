#include "actors/net/http_session.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/net/fanout.hpp"
#include "actors/net/ws_connection.hpp"
#include "protocol/engineio.hpp"
#include "protocol/http_checks.hpp"
#include "protocol/jwt_verifier.hpp"

namespace qc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// A body has this long once its headers are in (http.header-timeout covers the headers),
// and an answer this long to be written.
constexpr auto http_body_timeout = std::chrono::seconds(30);
constexpr auto http_write_timeout = std::chrono::seconds(30);

bool contains(const std::vector<std::string>& paths, std::string_view path) {
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

/// Engine.IO's rules for a request to an Engine.IO path: EIO=4 and, until HTTP
/// long-polling arrives, transport=websocket with no session id. Returns the
/// Engine.IO error code to answer with HTTP 400, if any.
std::optional<int> engineio_refusal(const protocol::eio_query& q, bool is_upgrade) {
  if (q.eio != 4)
    return 5; // Unsupported protocol version
  if (q.transport != "websocket")
    return 0; // Transport unknown (polling is not served yet)
  if (!q.sid.empty())
    return 1; // Session ID unknown: there are no polling sessions to upgrade
  if (!is_upgrade)
    return 3; // Bad request: websocket transport without an upgrade
  return std::nullopt;
}

/// What Beast's handshake would refuse in an upgrade request (websocket::is_upgrade
/// has checked the method, version, Connection and Upgrade already), checked here
/// because the connection answers the handshake itself. A wrong version gets 426 with
/// the version we speak (RFC 6455 §4.4); a page from an origin not allowed, 403.
struct handshake_refusal {
  unsigned status;
  std::string message;
};

std::optional<handshake_refusal> check_handshake(const http::request<http::string_body>& req,
                                                 const settings& cfg) {
  auto key = req[http::field::sec_websocket_key];
  if (key.empty())
    return handshake_refusal{400, "Missing Sec-WebSocket-Key"};
  if (!protocol::valid_websocket_key(std::string_view(key.data(), key.size())))
    return handshake_refusal{400, "Invalid Sec-WebSocket-Key: not base64 of 16 bytes"};
  auto version = req[http::field::sec_websocket_version];
  if (version.empty())
    return handshake_refusal{400, "Missing Sec-WebSocket-Version"};
  if (version != "13")
    return handshake_refusal{426, "Unsupported Sec-WebSocket-Version"};
  // Several Origin headers are not a browser's doing: refuse rather than pick one.
  if (req.count(http::field::origin) > 1)
    return handshake_refusal{400, "More than one Origin header"};
  auto origin = req[http::field::origin];
  if (!protocol::origin_allowed(std::string_view(origin.data(), origin.size()),
                                cfg.http.allowed_origins))
    return handshake_refusal{403, "Origin not allowed"};
  return std::nullopt;
}

/// How a request that cannot be read is answered; 0: close without an answer (the
/// client went away, or sent nothing of a next request before the deadline).
struct read_failure {
  unsigned status;
  const char* message;
};

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

/// One HTTP connection: reads requests, answers them or hands the socket over to a
/// WebSocket connection on upgrade. A connection refused at accept (a cap, or no
/// descriptors: `refusal` says which) reads one request under a short deadline and
/// answers it with 503, or /health as usual, then closes: a load balancer's health
/// check keeps its answer, and the client reads a status instead of a reset.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  /// `socket` runs on `shard`'s strand, and so will its WebSocket connection.
  http_session(tcp::socket&& socket, std::shared_ptr<gateway_shared> shared, fanout_shard& shard,
               address_ticket ticket, std::string refusal = {})
    : stream_(std::move(socket)),
      shared_(std::move(shared)),
      shard_(shard),
      ticket_(std::move(ticket)),
      refusal_(std::move(refusal)),
      deadline_(stream_.get_executor()) {
    if (refusal_.empty()) {
      counted_ = true;
      ++shared_->http_open;
    }
  }

  ~http_session() { uncount(); }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&http_session::read_next, shared_from_this()));
  }

private:
  const settings& cfg() const { return *shared_->cfg; }
  bool refused() const { return !refusal_.empty(); }

  void uncount() {
    if (counted_)
      --shared_->http_open;
    counted_ = false;
  }

  // Reads are timed by our own timer, not the stream's: a stream that times out closes
  // its socket, and a slow client must still read its 408.
  void arm_deadline(std::chrono::steady_clock::duration after) {
    timed_out_ = false;
    deadline_.expires_after(after);
    // The generation tells a stale expiry (queued before a re-arm) from the current one.
    deadline_.async_wait([self = shared_from_this(), generation = ++deadline_generation_](
                           beast::error_code ec) {
      if (ec || generation != self->deadline_generation_)
        return; // re-armed or cancelled
      self->timed_out_ = true;
      self->stream_.socket().cancel(ec);
    });
  }

  void disarm_deadline() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  void read_next() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(cfg().http.max_header_bytes));
    parser_->body_limit(cfg().http.max_body_bytes);
    stream_.expires_never();
    arm_deadline(refused() ? cfg().http.refusal_timeout : cfg().http.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&http_session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read_failed(ec, true);
    if (refused() || parser_->is_done())
      return on_read({}, 0);
    arm_deadline(http_body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read_failed(beast::error_code ec, bool in_header) {
    disarm_deadline();
    auto failure = classify(ec, in_header);
    if (refused() && timed_out_) // a client waiting for us to speak learns why it waits
      return answer_refusal();
    if (failure.status == 0) {
      close_gracefully();
      return;
    }
    ++shared_->bad_requests;
    if (refused()) // whatever it sent, it is told why it is not served
      return answer_refusal();
    answer_and_close(failure.status, failure.message);
  }

  read_failure classify(const beast::error_code& ec, bool in_header) const {
    // Nothing of a request before the client closed or the deadline: an idle
    // keep-alive connection, or a connect with no request. No answer is owed.
    bool nothing_yet = in_header && buffer_.size() == 0;
    if (ec == http::error::end_of_stream || (nothing_yet && (timed_out_ || ec == beast::errc::connection_reset)))
      return {0, ""};
    if (timed_out_)
      return {408, "request not received in time"};
    if (ec == http::error::header_limit)
      return request_line_complete() ? read_failure{431, "request headers too large"}
                                     : read_failure{414, "request line too long"};
    if (ec == http::error::body_limit)
      return {413, "request body too large"};
    if (is_http_parse_error(ec))
      return {400, "malformed HTTP request"}; // partial_message included: cut mid-request
    return {0, ""};                           // a socket error: nobody left to answer
  }

  // The parser keeps an incomplete header in the buffer: the request line is complete
  // when its line ending is there.
  bool request_line_complete() const {
    auto data = buffer_.data();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    return bytes.find('\n') != std::string_view::npos;
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return on_read_failed(ec, false);
    disarm_deadline();
    auto req = parser_->release();
    auto path = std::string(protocol::target_path(std::string(req.target())));
    if (refused()) {
      if (path == "/health" && req.method() == http::verb::get)
        return serve(req, false);
      return answer_refusal();
    }
    bool upgrade = websocket::is_upgrade(req);
    bool engineio = contains(shared_->hooks.engineio_paths, path);
    if (engineio) {
      auto q = protocol::parse_query(std::string(req.target()));
      if (auto refusal = engineio_refusal(q, upgrade)) {
        respond(req, http_response{400, "application/json",
                                   protocol::encode_eio_http_error(*refusal)});
        return;
      }
    }
    if (upgrade && (engineio || contains(shared_->hooks.websocket_paths, path))) {
      upgrade_to_websocket(std::move(req), path, engineio);
      return;
    }
    if (upgrade) {
      respond(req, http_response{404, "application/json", R"({"error":"no WebSocket here"})"});
      return;
    }
    serve(req, req.keep_alive());
  }

  void serve(const http::request<http::string_body>& req, bool keep_alive) {
    // Two credentials in one request are not a client's doing: refuse rather than pick one.
    if (req.count(http::field::authorization) > 1) {
      ++shared_->bad_requests;
      return answer_and_close(400, "more than one Authorization header");
    }
    http_request_info info;
    info.method = std::string(req.method_string());
    info.target = std::string(req.target());
    info.body = req.body();
    auto authorization = req[http::field::authorization];
    info.authorization.assign(authorization.data(), authorization.size());
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec)
      info.peer_address = peer.address().to_string();
    auto version = req.version();
    shared_->hooks.handle_http(
      info, [self = shared_from_this(), keep_alive, version](http_response res) {
        asio::post(self->stream_.get_executor(),
                   [self, keep_alive, version, res = std::move(res)]() mutable {
                     self->write(std::move(res), keep_alive, version);
                   });
      });
  }

  void answer_refusal() {
    write(http_response{503, "application/json", R"({"error":")" + refusal_ + R"("})"}, false, 11);
  }

  void answer_and_close(unsigned status, const char* message) {
    write(http_response{status, "application/json",
                        std::string(R"({"error":")") + message + R"("})"},
          false, 11);
  }

  void upgrade_to_websocket(http::request<http::string_body> req, const std::string& path,
                            bool engineio) {
    if (auto refusal = check_handshake(req, cfg())) {
      if (refusal->status == 403)
        ++shared_->origin_refused;
      refuse_handshake(req, *refusal);
      return;
    }
    if (shared_->open_count() >= cfg().limits.max_connections) {
      ++shared_->rejected;
      respond(req, http_response{503, "application/json",
                                 R"({"error":"connection limit reached"})"});
      return;
    }
    auto q = protocol::parse_query(std::string(req.target()));
    upgrade_request info;
    info.path = path;
    if (auto it = q.params.find("user_id"); it != q.params.end())
      info.query_user_id = it->second;
    if (auto it = q.params.find("resume"); it != q.params.end())
      info.resume = it->second;
    if (auto it = q.params.find("offset"); it != q.params.end())
      info.resume_offset = it->second;
    if (auto it = req.find("X-User-Id"); it != req.end())
      info.header_user_id = std::string(it->value());
    const auto max_token = cfg().auth.max_token_bytes;
    if (auto it = q.params.find("token"); it != q.params.end()) {
      info.query_token_too_long = it->second.size() > max_token;
      if (!info.query_token_too_long)
        info.query_token = it->second;
    }
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      auto token = protocol::bearer_token(std::string_view(it->value().data(), it->value().size()));
      info.bearer_token_too_long = token.size() > max_token;
      if (!info.bearer_token_too_long)
        info.bearer_token = std::string(token);
    }
    // Bytes the client sent after its request belong to the WebSocket stream.
    auto early = beast::buffers_to_string(buffer_.data());
    stream_.expires_never();
    uncount(); // a WebSocket now, counted by limits.max-connections
    auto conn = std::make_shared<ws_connection>(stream_.release_socket(), shared_, engineio, shard_);
    conn->hold(std::move(ticket_));
    auto key = req[http::field::sec_websocket_key];
    conn->accept(std::string_view(key.data(), key.size()), std::move(info), std::move(early));
  }

  void refuse_handshake(const http::request<http::string_body>& req,
                        const handshake_refusal& refusal) {
    auto msg = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(refusal.status), req.version());
    msg->set(http::field::server, "quotecast");
    msg->set(http::field::content_type, "text/plain");
    if (refusal.status == 426)
      msg->set(http::field::sec_websocket_version, "13");
    msg->keep_alive(false);
    msg->body() = refusal.message;
    msg->prepare_payload();
    stream_.expires_after(http_write_timeout);
    http::async_write(stream_, *msg, [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
      if (!ec)
        self->close_gracefully();
    });
  }

  void respond(const http::request<http::string_body>& req, http_response res) {
    write(std::move(res), req.keep_alive(), req.version());
  }

  void write(http_response res, bool keep_alive, unsigned version) {
    auto msg = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(res.status), version);
    msg->set(http::field::server, "quotecast");
    msg->set(http::field::content_type, res.content_type);
    if (res.status == 503)
      msg->set(http::field::retry_after, "1");
    if (!res.www_authenticate.empty())
      msg->set(http::field::www_authenticate, res.www_authenticate);
    msg->keep_alive(keep_alive);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    stream_.expires_after(http_write_timeout);
    http::async_write(stream_, *msg,
                      [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
                        if (ec)
                          return; // the client went away mid-response
                        if (!msg->keep_alive()) {
                          self->close_gracefully();
                          return;
                        }
                        self->read_next();
                      });
  }

  // Closing a socket with unread input makes the kernel send a reset, which can
  // destroy the answer before the client reads it. So: end our side, then read and
  // drop what the client still sends until it closes too or the refusal timeout ends.
  void close_gracefully() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return;
    stream_.expires_never();
    arm_deadline(cfg().http.refusal_timeout);
    drain();
  }

  void drain() {
    stream_.socket().async_read_some(
      asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
          self->disarm_deadline();
          return; // EOF, the deadline, or an error: the socket closes with us
        }
        self->drain();
      });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<gateway_shared> shared_;
  fanout_shard& shard_;
  address_ticket ticket_;
  std::string refusal_; // empty: served normally
  bool counted_ = false; // in shared_->http_open
  asio::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 4096> discard_{};
};

} // namespace

void serve_http(tcp::socket socket, std::shared_ptr<gateway_shared> shared, fanout_shard& shard,
                address_ticket ticket, std::string refusal) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec); // fan-out must not wait on Nagle
  std::make_shared<http_session>(std::move(socket), std::move(shared), shard, std::move(ticket),
                                 std::move(refusal))
    ->run();
}

} // namespace qc
