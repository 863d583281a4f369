#pragma once
// One client connection as the step executor sees it, whatever the transport:
// Socket.IO (sio_connection) or plain JSON over /ws (ws_connection). Both buffer every
// event and ack that arrives while a step waits for something else.
#include "apps/scenario/scenario.hpp"
#include "tests/support/event_inbox.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/ws_client.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace qc::scenario {

using qc::test::outcome;
using qc::test::received_event;
using qc::test::ws_message;

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

// What a reconnect with recovery sends (PROTOCOL.md section 7).
struct recovery_data {
  std::string id;      // socket.io: the pid of the CONNECT reply; ws: connect_response's resume_token
  std::string offset;  // the offset of the last room/stream packet the scenario consumed ("" if none)
};

struct connect_request {
  std::string user;  // X-User-Id header, if not empty
  std::map<std::string, std::string> headers;
  std::string query;
  std::optional<std::string> auth;  // socket.io CONNECT auth (JSON text)
  bool auto_pong = true;
  std::optional<recovery_data> recovery;
};

struct connect_result {
  bool answered = false;  // false: no answer at all (see error)
  bool accepted = false;
  // socket.io: the 40 or 44 payload. ws: {} when accepted, {"http_status":N,"body":"..."} when refused.
  std::string reply;
  std::string error;
};

class connection {
public:
  virtual ~connection() = default;
  virtual connect_result connect(const endpoint& where, const connect_request& req, ms timeout) = 0;
  virtual bool emit(const std::string& event, const std::string& data, std::optional<std::uint64_t> ack_id) = 0;
  virtual bool send_raw(const std::string& frame) = 0;
  // The oldest event with this name, buffered or arriving within the timeout.
  virtual outcome<received_event> next_event(const std::string& name, ms timeout) = 0;
  virtual outcome<std::string> wait_ack(std::uint64_t id, ms timeout) = 0;
  virtual bool expect_no_event(const std::string& name, ms duration) = 0;
  virtual outcome<ws_message> wait_closed(ms timeout) = 0;
  // Keeps reading (and answering pings) for a while; events are buffered.
  virtual void idle(ms duration) = 0;
  virtual void close() = 0;  // orderly: close frame
  virtual void drop() = 0;   // abrupt: TCP close, no close frame
  virtual bool is_open() const = 0;
  virtual std::optional<recovery_data> recovery() const = 0;
  // Buffered events and how the connection ended, for failure messages.
  virtual std::string describe() const = 0;
};

std::unique_ptr<connection> make_connection(transport kind);

}  // namespace qc::scenario
