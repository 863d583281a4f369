#pragma once
// A WebSocket connection on the Beast side: reads frames and forwards them to its
// session actor, writes the frames the actor queues, one write in flight at a time,
// with a byte bound on what waits. Lives on its own strand; owned by its pending I/O.

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/actor.hpp>

#include "actors/connection.hpp"
#include "actors/gateway_shared.hpp"
#include "actors/identity.hpp"

namespace qc {

namespace beast = boost::beast;

class ws_connection final : public connection,
                            public std::enable_shared_from_this<ws_connection> {
public:
  ws_connection(beast::tcp_stream&& stream, std::shared_ptr<gateway_shared> shared,
                bool engineio);
  ~ws_connection() override;

  /// Completes the upgrade, spawns the session actor, starts reading.
  void accept(beast::http::request<beast::http::string_body> req, upgrade_request info);

  void send(std::vector<out_frame> frames) override;
  void close(close_code code, std::string reason) override;
  void consumed() override;

  /// Cuts the TCP connection at once (shutdown after the grace period).
  void cut();

private:
  void on_accept(beast::error_code ec, const upgrade_request& info);
  void read_next();
  void resume_reading();
  void on_read(beast::error_code ec, std::size_t bytes);
  void enqueue(std::vector<out_frame> frames);
  void write_next();
  void on_write(beast::error_code ec, std::size_t bytes);
  void begin_close(close_code code, std::string reason);
  void notify_closed(const std::string& reason);

  beast::websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<gateway_shared> shared_;
  bool engineio_;
  beast::flat_buffer buffer_;
  caf::actor session_;
  std::deque<out_frame> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  std::optional<beast::websocket::close_reason> close_after_writes_;
  bool closing_ = false;
  std::atomic<std::size_t> unhandled_{0}; // frames sent to the session, not yet handled
  bool read_paused_ = false;
};

} // namespace qc
