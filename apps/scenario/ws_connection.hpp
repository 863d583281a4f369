#pragma once
// A plain-JSON /ws client connection (PROTOCOL.md section 6) behind the connection
// interface. Its own small client rather than tests/support's json_ws_client because a
// scenario also needs to drop the TCP connection and to see the resume token.
#include "apps/scenario/connection.hpp"
#include "tests/support/ws_client.hpp"

#include <chrono>
#include <deque>

namespace qc::scenario {

class ws_connection final : public connection {
public:
  connect_result connect(const endpoint& where, const connect_request& req, ms timeout) override;
  bool emit(const std::string& event, const std::string& data, std::optional<std::uint64_t> ack_id) override;
  bool send_raw(const std::string& frame) override { return ws_.send_text(frame); }
  outcome<received_event> next_event(const std::string& name, ms timeout) override;
  outcome<std::string> wait_ack(std::uint64_t id, ms timeout) override;
  bool expect_no_event(const std::string& name, ms duration) override;
  outcome<ws_message> wait_closed(ms timeout) override;
  void idle(ms duration) override;
  void close() override { ws_.close(); }
  void drop() override { ws_.drop(); }
  bool is_open() const override { return ws_.is_open() && !end_; }
  std::optional<recovery_data> recovery() const override;
  std::string describe() const override;

private:
  // Reads one frame until the deadline and files it; false on timeout or once closed.
  bool pump(std::chrono::steady_clock::time_point deadline);

  qc::test::ws_client ws_;
  qc::test::event_inbox inbox_;
  std::optional<ws_message> end_;
  std::deque<std::string> recent_;  // last frames, for describe()
  std::string resume_token_;
  std::string last_offset_;
};

}  // namespace qc::scenario
