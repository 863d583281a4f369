#pragma once
// The gateway: one Beast listener on one port serving HTTP requests and WebSocket
// upgrades, on Asio threads. It knows sockets, HTTP and Engine.IO's query rules, and
// nothing of rooms or events: every WebSocket is handed to a session actor that the
// owner spawns through `gateway_hooks::open_session`, and every plain HTTP request to
// `gateway_hooks::handle_http`. Beast stays inside gateway*.cpp and ws_connection.cpp.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/net/connection.hpp"
#include "actors/session/identity.hpp"
#include "actors/settings.hpp"
#include "actors/stats/stats.hpp"

namespace qc {

struct http_request_info {
  std::string method; // "GET", "POST", ...
  std::string target; // path and query
  std::string body;
  std::string authorization; // the Authorization header; empty when absent (bounded by http.max-header-bytes)
  std::string peer_address;  // the client's IP address as text ("127.0.0.1", "::1"); empty if unknown
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string www_authenticate; // a 401's challenge (RFC 7235: a 401 carries one)

  http_response() = default;
  http_response(unsigned status_code, std::string type, std::string body_text,
                std::string challenge = {})
    : status(status_code), content_type(std::move(type)), body(std::move(body_text)),
      www_authenticate(std::move(challenge)) {
  }
};

using http_responder = std::function<void(http_response)>;

struct gateway_hooks {
  /// Paths served as Engine.IO/Socket.IO over WebSocket ("/socket.io/").
  std::vector<std::string> engineio_paths;
  /// Paths served as plain WebSocket ("/ws").
  std::vector<std::string> websocket_paths;
  /// Spawns the session actor of a new WebSocket; called on an Asio thread.
  std::function<caf::actor(std::weak_ptr<connection>, const upgrade_request&)> open_session;
  /// Answers a plain HTTP request; `respond` may be called later, from any thread.
  std::function<void(const http_request_info&, http_responder respond)> handle_http;
};

class gateway {
public:
  gateway(std::shared_ptr<const settings> cfg, gateway_hooks hooks);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// Binds and listens on settings' host and port; returns the bound port (useful
  /// with port 0). Throws std::runtime_error when the address cannot be bound.
  std::uint16_t listen();

  /// Starts accepting, on `threads` Asio threads.
  void run(std::size_t threads);

  /// Closes the listening socket; open connections stay.
  void stop_accepting();

  /// Asks every open WebSocket to close with `code` (after what is queued).
  void close_all(close_code code, const std::string& reason);

  /// Number of open WebSocket connections.
  std::size_t open_connections() const;

  /// Waits up to `grace` for connections to finish closing, then cuts the rest and
  /// joins the Asio threads. Call only once no actor can send to a connection.
  void stop(std::chrono::milliseconds grace);

  gateway_counters counters() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace qc
