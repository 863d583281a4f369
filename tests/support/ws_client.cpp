#include "tests/support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <optional>

namespace qc::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

std::string ws_message::describe() const {
  switch (type) {
    case kind::text: return "text frame: " + data.substr(0, 300);
    case kind::binary: return "binary frame of " + std::to_string(data.size()) + " bytes";
    case kind::closed: return "closed (code " + std::to_string(close_code) + ", reason '" + close_reason + "')";
    case kind::timeout: return "timeout";
  }
  return "?";
}

struct ws_client::impl {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer read_buffer;
  std::string write_buffer;       // owned copy: a timed-out write must not point at the caller's string
  std::deque<ws_message> inbox;   // frames that arrived and were not read yet
  std::optional<ws_message> end;  // sticky: how the connection ended
  bool reading = false;
  bool connected = false;

  // Runs handlers until done() or the deadline. False on timeout.
  template <class Done>
  bool run_until(Done done, clock::time_point deadline) {
    while (!done()) {
      if (clock::now() >= deadline) return false;
      if (ioc.stopped()) ioc.restart();
      if (ioc.run_one_until(deadline) == 0 && ioc.stopped()) return done();  // no work left
    }
    return true;
  }

  void finish(std::uint16_t code, std::string reason) {
    if (end) return;
    ws_message m;
    m.type = ws_message::kind::closed;
    m.close_code = code;
    m.close_reason = std::move(reason);
    end = std::move(m);
  }

  // Keeps exactly one read pending while the connection is open.
  void start_read() {
    if (reading || end || !connected) return;
    reading = true;
    ws.async_read(read_buffer, [this](beast::error_code ec, std::size_t) {
      reading = false;
      // A close frame counts even if the TCP teardown after it failed (a peer that
      // closes its socket right after its close frame makes the teardown see a reset).
      if (ec == websocket::error::closed || ws.reason().code != websocket::close_code::none) {
        finish(ws.reason().code, std::string(ws.reason().reason.c_str()));
        return;
      }
      if (ec) {
        finish(kAbnormalClosure, ec.message());
        return;
      }
      ws_message m;
      m.type = ws.got_text() ? ws_message::kind::text : ws_message::kind::binary;
      m.data = beast::buffers_to_string(read_buffer.data());
      read_buffer.consume(read_buffer.size());
      inbox.push_back(std::move(m));
      start_read();
    });
  }

  void shut_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws).close(ignored);
    // Let aborted handlers run, so none refers to us after we are gone.
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(500));
    finish(kAbnormalClosure, "dropped by the client");
  }

  bool write(const std::string& data, bool text, std::chrono::milliseconds timeout) {
    if (!connected || end) return false;
    write_buffer = data;
    ws.text(text);
    bool done = false;
    beast::error_code result;
    ws.async_write(asio::buffer(write_buffer), [&](beast::error_code ec, std::size_t) {
      done = true;
      result = ec;
    });
    start_read();  // keep draining inbound frames so the peer is never stuck writing to us
    if (!run_until([&] { return done; }, clock::now() + timeout)) {
      shut_socket();
      run_until([&] { return done; }, clock::now() + std::chrono::seconds(1));
      return false;
    }
    return !result;
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {}

ws_client::~ws_client() {
  if (beast::get_lowest_layer(impl_->ws).is_open()) impl_->shut_socket();
}

bool ws_client::is_open() const { return impl_->connected && !impl_->end; }

ws_connect_result ws_client::connect(const std::string& host, std::uint16_t port, const std::string& target,
                                     const std::map<std::string, std::string>& headers,
                                     std::chrono::milliseconds timeout) {
  ws_connect_result out;
  auto& im = *impl_;
  const auto deadline = clock::now() + timeout;
  auto& sock = beast::get_lowest_layer(im.ws);

  beast::error_code ec;
  tcp::resolver resolver(im.ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    out.error = "resolve: " + ec.message();
    return out;
  }
  bool done = false;
  asio::async_connect(sock, endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    done = true;
    ec = e;
  });
  if (!im.run_until([&] { return done; }, deadline)) {
    im.shut_socket();
    out.error = "connect: timeout";
    return out;
  }
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  // Nagle plus delayed ACK would add ~40 ms to small frames.
  sock.set_option(tcp::no_delay(true));

  im.ws.auto_fragment(false);  // one message = one frame, so frame-size limits are testable
  im.ws.read_message_max(64 * 1024 * 1024);
  im.ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  websocket::response_type res;
  done = false;
  im.ws.async_handshake(res, host + ":" + std::to_string(port), target, [&](beast::error_code e) {
    done = true;
    ec = e;
  });
  if (!im.run_until([&] { return done; }, deadline)) {
    im.shut_socket();
    out.error = "websocket handshake: timeout";
    return out;
  }
  out.http_status = res.result_int();
  if (ec) {
    out.body = res.body();
    out.error = "websocket handshake: " + ec.message();
    return out;
  }
  im.connected = true;
  out.ok = true;
  im.start_read();
  return out;
}

bool ws_client::send_text(const std::string& data, std::chrono::milliseconds timeout) {
  return impl_->write(data, true, timeout);
}

bool ws_client::send_binary(const std::string& data, std::chrono::milliseconds timeout) {
  return impl_->write(data, false, timeout);
}

ws_message ws_client::read(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  auto ready = [&] { return !im.inbox.empty() || im.end.has_value() || !im.connected; };
  im.start_read();
  im.run_until(ready, clock::now() + timeout);
  if (!im.inbox.empty()) {
    ws_message m = std::move(im.inbox.front());
    im.inbox.pop_front();
    return m;
  }
  if (im.end) return *im.end;
  if (!im.connected) {
    ws_message m;
    m.type = ws_message::kind::closed;
    m.close_code = kAbnormalClosure;
    m.close_reason = "never connected";
    return m;
  }
  return ws_message{};  // timeout
}

void ws_client::close(std::uint16_t code, const std::string& reason, std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  if (!is_open()) return;
  bool done = false;
  im.ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [&](beast::error_code) { done = true; });
  im.start_read();  // the pending read receives the peer's close frame
  if (!im.run_until([&] { return done && !im.reading; }, clock::now() + timeout)) {
    im.shut_socket();
    return;
  }
  im.finish(code, "closed by the client");
  beast::error_code ignored;
  beast::get_lowest_layer(im.ws).close(ignored);
}

void ws_client::drop() {
  if (impl_->connected) impl_->shut_socket();
}

}  // namespace qc::test
