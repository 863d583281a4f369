#include "actors/gateway.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/gateway_shared.hpp"
#include "actors/ws_connection.hpp"
#include "protocol/engineio.hpp"

namespace qc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t max_http_body = 1 << 20;
constexpr auto http_read_timeout = std::chrono::seconds(30);

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
/// the version we speak (RFC 6455 §4.4).
struct handshake_refusal {
  unsigned status;
  std::string message;
};

std::optional<handshake_refusal> check_handshake(const http::request<http::string_body>& req) {
  auto key = req[http::field::sec_websocket_key];
  if (key.empty())
    return handshake_refusal{400, "Missing Sec-WebSocket-Key"};
  if (key.size() > 24) // base64 of 16 bytes, as Beast requires
    return handshake_refusal{400, "Invalid Sec-WebSocket-Key"};
  auto version = req[http::field::sec_websocket_version];
  if (version.empty())
    return handshake_refusal{400, "Missing Sec-WebSocket-Version"};
  if (version != "13")
    return handshake_refusal{426, "Unsupported Sec-WebSocket-Version"};
  return std::nullopt;
}

/// One HTTP connection: reads requests, answers them or hands the socket over to a
/// WebSocket connection on upgrade.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  /// `socket` runs on `shard`'s strand, and so will its WebSocket connection.
  http_session(tcp::socket&& socket, std::shared_ptr<gateway_shared> shared, fanout_shard& shard)
    : stream_(std::move(socket)), shared_(std::move(shared)), shard_(shard) {
  }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&http_session::read_next, shared_from_this()));
  }

private:
  void read_next() {
    parser_.emplace();
    parser_->body_limit(max_http_body);
    stream_.expires_after(http_read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    if (ec)
      return; // timeout or a broken request: drop the connection
    auto req = parser_->release();
    auto path = std::string(protocol::target_path(std::string(req.target())));
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
    http_request_info info{std::string(req.method_string()), std::string(req.target()),
                           req.body()};
    auto keep_alive = req.keep_alive();
    auto version = req.version();
    shared_->hooks.handle_http(
      info, [self = shared_from_this(), keep_alive, version](http_response res) {
        asio::post(self->stream_.get_executor(),
                   [self, keep_alive, version, res = std::move(res)]() mutable {
                     self->write(std::move(res), keep_alive, version);
                   });
      });
  }

  void upgrade_to_websocket(http::request<http::string_body> req, const std::string& path,
                            bool engineio) {
    if (shared_->open_count() >= shared_->cfg->limits.max_connections) {
      ++shared_->rejected;
      respond(req, http_response{503, "application/json",
                                 R"({"error":"connection limit reached"})"});
      return;
    }
    if (auto refusal = check_handshake(req)) {
      refuse_handshake(req, *refusal);
      return;
    }
    auto q = protocol::parse_query(std::string(req.target()));
    upgrade_request info;
    info.path = path;
    if (auto it = q.params.find("user_id"); it != q.params.end())
      info.query_user_id = it->second;
    if (auto it = q.params.find("token"); it != q.params.end())
      info.query_token = it->second;
    if (auto it = q.params.find("resume"); it != q.params.end())
      info.resume = it->second;
    if (auto it = q.params.find("offset"); it != q.params.end())
      info.resume_offset = it->second;
    if (auto it = req.find("X-User-Id"); it != req.end())
      info.header_user_id = std::string(it->value());
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec)
      info.remote_address = remote.address().to_string();
    // Bytes the client sent after its request belong to the WebSocket stream.
    auto early = beast::buffers_to_string(buffer_.data());
    stream_.expires_never();
    auto conn = std::make_shared<ws_connection>(stream_.release_socket(), shared_, engineio, shard_);
    conn->accept(req, std::move(info), std::move(early));
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
    http::async_write(stream_, *msg, [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
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
    msg->keep_alive(keep_alive);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    http::async_write(stream_, *msg,
                      [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
                        if (ec)
                          return; // the client went away mid-response
                        if (!msg->keep_alive()) {
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
                          return;
                        }
                        self->read_next();
                      });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<gateway_shared> shared_;
  fanout_shard& shard_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

} // namespace

/// An I/O shard (actors/fanout.hpp): a strand, shared by the connections accepted onto
/// it, and the stream topics they subscribe to.
struct shard_slot {
  asio::strand<asio::io_context::executor_type> strand;
  std::unique_ptr<fanout_shard> shard;
};

struct gateway::impl {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  std::shared_ptr<gateway_shared> shared = std::make_shared<gateway_shared>();
  std::vector<std::thread> threads;
  std::vector<shard_slot> shards; // after ioc: gone before it
  std::size_t next_shard = 0;     // acceptor strand only

  void make_shards(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      auto strand = asio::make_strand(ioc);
      auto post = [strand](std::function<void()> work) { asio::post(strand, std::move(work)); };
      shards.push_back(shard_slot{strand, std::make_unique<fanout_shard>(std::move(post))});
    }
  }

  // Connections go to the shards in turn, so each Asio thread has about as many.
  void accept_next() {
    auto& slot = shards[next_shard++ % shards.size()];
    acceptor.async_accept(slot.strand, [this, shard = slot.shard.get()](beast::error_code ec,
                                                                        tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open())
        return; // stop_accepting() closed the acceptor
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec); // fan-out must not wait on Nagle
        std::make_shared<http_session>(std::move(socket), shared, *shard)->run();
      }
      accept_next();
    });
  }
};

gateway::gateway(std::shared_ptr<const settings> cfg, gateway_hooks hooks)
  : impl_(std::make_unique<impl>()) {
  impl_->shared->cfg = std::move(cfg);
  impl_->shared->hooks = std::move(hooks);
}

gateway::~gateway() {
  if (!impl_->threads.empty())
    stop(std::chrono::milliseconds(0));
}

std::uint16_t gateway::listen() {
  auto& cfg = *impl_->shared->cfg;
  beast::error_code ec;
  auto address = asio::ip::make_address(cfg.host, ec);
  if (ec)
    throw std::runtime_error("invalid host address '" + cfg.host + "': " + ec.message());
  tcp::endpoint endpoint{address, cfg.port};
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec)
    acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acc.bind(endpoint, ec);
  if (!ec)
    acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port)
                             + ": " + ec.message());
  return acc.local_endpoint().port();
}

void gateway::run(std::size_t threads) {
  impl_->make_shards(std::max<std::size_t>(threads, 1));
  asio::dispatch(impl_->acceptor.get_executor(), [this] { impl_->accept_next(); });
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void gateway::stop_accepting() {
  asio::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec); // already closed is fine
  });
}

namespace {

std::vector<std::shared_ptr<ws_connection>> snapshot(gateway_shared& shared) {
  std::vector<std::shared_ptr<ws_connection>> out;
  std::lock_guard guard{shared.mutex};
  for (auto& [ptr, weak] : shared.open)
    if (auto conn = weak.lock())
      out.push_back(std::move(conn));
  return out;
}

} // namespace

void gateway::close_all(close_code code, const std::string& reason) {
  for (auto& conn : snapshot(*impl_->shared))
    conn->close(code, reason);
}

std::size_t gateway::open_connections() const {
  return impl_->shared->open_count();
}

void gateway::stop(std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (open_connections() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (auto& conn : snapshot(*impl_->shared))
    conn->cut();
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
  for (auto& slot : impl_->shards) // no strand runs now: let go of the connections
    slot.shard->clear();
}

gateway_counters gateway::counters() const {
  auto& s = *impl_->shared;
  gateway_counters c{s.accepted.load(), s.rejected.load(), s.slow_consumers.load(),
                     s.oversize.load(), s.conflated.load()};
  c.incomplete_disconnects = s.incomplete.load();
  c.flood_disconnects = s.floods.load();
  return c;
}

} // namespace qc
