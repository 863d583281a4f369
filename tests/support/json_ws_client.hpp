#pragma once
// A client for the plain-JSON WebSocket endpoint /ws (PROTOCOL.md section 6):
//   out: {"event":"subscribe","data":{...},"id":7}
//   in:  {"event":"subscribed","data":{...}}  and  {"ack":7,"data":{...}}
// Events and acks that arrive while waiting for something else are buffered.
#include "tests/support/event_inbox.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/ws_client.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace qc::test {

class json_ws_client {
public:
  // Connects to /ws[?query]; the server then sends connect_response (wait for it).
  ws_connect_result connect(const std::string& host, std::uint16_t port, const std::string& query = "",
                            const std::map<std::string, std::string>& headers = {});
  // {"event":<event>,"data":<data_json>[,"id":<id>]}; data_json is inserted verbatim.
  bool send(const std::string& event, const std::string& data_json, std::optional<std::uint64_t> id = {});
  bool send_raw(const std::string& text) { return ws_.send_text(text); }

  // The "data" of the next `name` event.
  outcome<std::string> wait_event(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The "data" of {"ack":id,...}.
  outcome<std::string> wait_ack(std::uint64_t id, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool expect_no_event(const std::string& name, std::chrono::milliseconds duration);
  outcome<ws_message> wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool is_open() const { return ws_.is_open() && !end_; }
  void close(std::uint16_t code = 1000) { ws_.close(code); }
  std::string describe() const;

private:
  bool pump(std::chrono::steady_clock::time_point deadline);

  ws_client ws_;
  event_inbox inbox_;
  std::optional<ws_message> end_;
  std::deque<std::string> unparsed_;  // frames that were neither events nor acks
};

}  // namespace qc::test
