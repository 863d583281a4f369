#include "actors/net/gateway.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

#include "actors/net/gateway_shared.hpp"
#include "actors/net/http_session.hpp"
#include "actors/net/reserve_descriptor.hpp"
#include "actors/net/ws_connection.hpp"

namespace qc {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;


/// An I/O shard (actors/net/fanout.hpp): a strand, shared by the connections accepted onto
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

  // Out of descriptors, accept fails at once for as long as the connection waits in the
  // backlog: retrying at once would spin a core. Wait this long between tries instead.
  static constexpr auto descriptor_backoff = std::chrono::milliseconds(100);
  asio::steady_timer backoff{acceptor.get_executor()}; // after ioc: gone before it
  reserve_descriptor reserve;                           // acceptor strand only

  // Connections go to the shards in turn, so each Asio thread has about as many.
  // Accept handlers run on the acceptor's strand, one at a time.
  void accept_next() {
    auto& slot = shards[next_shard++ % shards.size()];
    acceptor.async_accept(slot.strand, [this, &slot](beast::error_code ec, tcp::socket socket) {
      auto shard = slot.shard.get();
      if (ec == asio::error::operation_aborted || !acceptor.is_open())
        return; // stop_accepting() closed the acceptor
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
        ++shared->descriptor_shortages;
        refuse_one_with_reserve(slot);
        backoff.expires_after(descriptor_backoff);
        backoff.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor.is_open()) {
            reserve.hold();
            accept_next();
          }
        });
        return;
      }
      if (!ec) {
        // The reserve comes first: if the new socket took the last descriptor, it is
        // the one refused, and the reserve is taken back when it closes.
        if (!reserve.held() && !reserve.hold())
          start(std::move(socket), *shard, "out of file descriptors");
        else
          admit(std::move(socket), *shard);
      }
      accept_next(); // other errors (a connection aborted in the backlog) concern one peer
    });
  }

  // Gives the reserve descriptor back to accept one waiting connection and answer it 503
  // (or /health), so clients get an answer, not a hang.
  void refuse_one_with_reserve(shard_slot& slot) {
    if (!reserve.held())
      return;
    reserve.release();
    beast::error_code ec;
    tcp::socket socket(slot.strand);
    acceptor.accept(socket, ec); // non-blocking (listen): would_block when none waits
    if (!ec)
      start(std::move(socket), *slot.shard, "out of file descriptors");
  }

  // Counts the connection against its address and the HTTP connections, or refuses it.
  void admit(tcp::socket socket, fanout_shard& shard) {
    auto& cfg = *shared->cfg;
    beast::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec)
      return; // gone already
    address_ticket ticket;
    if (!ticket.take(shared, remote.address().to_string(), cfg.limits.max_connections_per_address)) {
      ++shared->address_refused;
      return start(std::move(socket), shard, "too many connections from this address");
    }
    if (shared->http_open.load() >= cfg.limits.max_http_connections) {
      ++shared->http_refused;
      return start(std::move(socket), shard, "too many HTTP connections");
    }
    start(std::move(socket), shard, {}, std::move(ticket));
  }

  void start(tcp::socket socket, fanout_shard& shard, std::string refusal,
             address_ticket ticket = {}) {
    serve_http(std::move(socket), shared, shard, std::move(ticket), std::move(refusal));
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
  if (!ec) // the accept that uses the reserve descriptor must not wait (accept_next)
    acc.non_blocking(true, ec);
  if (!ec && !impl_->reserve.hold())
    throw std::runtime_error("no file descriptor left for the reserve");
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
    impl_->backoff.cancel();
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
  gateway_counters c;
  c.accepted = s.accepted.load();
  c.rejected = s.rejected.load();
  c.slow_consumer_disconnects = s.slow_consumers.load();
  c.oversize_disconnects = s.oversize.load();
  c.conflated = s.conflated.load();
  c.incomplete_disconnects = s.incomplete.load();
  c.flood_disconnects = s.floods.load();
  c.http_connections = s.http_open.load();
  c.http_refused = s.http_refused.load();
  c.address_refused = s.address_refused.load();
  c.descriptor_shortages = s.descriptor_shortages.load();
  c.bad_requests = s.bad_requests.load();
  c.origin_refused = s.origin_refused.load();
  return c;
}

} // namespace qc
