#pragma once
// A Socket.IO v5 / Engine.IO v4 client over the WebSocket transport, for tests.
// It answers the server's pings ("2" -> "3") whenever it reads, unless auto-pong is
// off (ping-timeout tests), and buffers every event and ack it sees so none is lost
// while a test waits for another one.
#include "tests/support/event_inbox.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/sio_packet.hpp"
#include "tests/support/ws_client.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qc::test {

// The Engine.IO open packet: 0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}.
struct eio_handshake {
  std::string sid;
  std::vector<std::string> upgrades;
  std::int64_t ping_interval = 0;
  std::int64_t ping_timeout = 0;
  std::int64_t max_payload = 0;
  std::string raw;  // the open packet's JSON
};

// The server's answer to CONNECT: 40{...} (accepted) or 44{...} (refused).
struct sio_connect_reply {
  bool accepted = false;
  std::string nsp;
  std::string data;  // the JSON payload, e.g. {"sid":"..."} or {"message":"Invalid namespace"}
};

class sio_client {
public:
  // Opens the WebSocket at /socket.io/?EIO=4&transport=websocket[&query] and reads the
  // open packet. `query` is appended as is (e.g. "user_id=u1").
  outcome<eio_handshake> open(const std::string& host, std::uint16_t port, const std::string& query = "",
                              const std::map<std::string, std::string>& headers = {},
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // open() plus CONNECT to "/" : the usual start of a test client. Returns the 40 payload.
  outcome<std::string> open_and_connect(const std::string& host, std::uint16_t port, const std::string& query = "",
                                        const std::map<std::string, std::string>& headers = {});
  const eio_handshake& handshake() const { return handshake_; }

  // Sends CONNECT (40[/nsp,][auth]) and waits for 40 or 44 of that namespace.
  outcome<sio_connect_reply> connect_namespace(const std::string& nsp = "/", const std::string& auth_json = "",
                                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // 42[<ack_id>]["event",payload]; payload_json is inserted verbatim (may be empty: no argument).
  bool emit(const std::string& event, const std::string& payload_json, std::optional<std::uint64_t> ack_id = {},
            const std::string& nsp = "/");
  // The first argument of the next `name` event (buffered or arriving).
  outcome<std::string> wait_event(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  outcome<received_event> wait_event_full(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The first element of the ack array of 43<id>[...].
  outcome<std::string> wait_ack(std::uint64_t id, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads for `duration`, answering pings and buffering; false if the connection ended.
  bool read_for(std::chrono::milliseconds duration);
  // True if no `name` event is buffered or arrives within `duration`.
  bool expect_no_event(const std::string& name, std::chrono::milliseconds duration);
  // Reads (buffering events) until the connection ends; the close, or failure on timeout.
  outcome<ws_message> wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Packets that are neither events nor acks (40, 41, 44, ...), oldest first, as received.
  std::optional<sio_packet> take_other_packet();

  // Raw access for protocol tests: frames go out and come in untouched by the client
  // (except that pings are still answered while auto-pong is on).
  bool send_raw(const std::string& frame) { return ws_.send_text(frame); }
  bool send_raw_binary(const std::string& frame) { return ws_.send_binary(frame); }
  ws_message read_raw(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  void set_auto_pong(bool on) { auto_pong_ = on; }
  int pings_received() const { return pings_; }
  bool is_open() const { return ws_.is_open() && !end_; }
  const std::optional<ws_message>& close_info() const { return end_; }
  void close(std::uint16_t code = 1000) { ws_.close(code); }
  void drop() { ws_.drop(); }
  // What was buffered and how the connection ended, for failure messages.
  std::string describe() const;

private:
  // Reads one frame (until deadline) and files it; false on timeout or when closed.
  bool pump(std::chrono::steady_clock::time_point deadline);
  void file_frame(const ws_message& m);
  outcome<received_event> failure_while_waiting(const std::string& what) const;

  ws_client ws_;
  eio_handshake handshake_;
  event_inbox inbox_;
  std::deque<sio_packet> others_;
  std::optional<ws_message> end_;
  std::deque<std::string> recent_;  // last frames, for describe()
  bool auto_pong_ = true;
  int pings_ = 0;
};

}  // namespace qc::test
