#pragma once
// A Socket.IO client connection (tests/support's sio_client) behind the connection interface.
#include "apps/scenario/connection.hpp"
#include "tests/support/sio_client.hpp"

namespace qc::scenario {

class sio_connection final : public connection {
public:
  connect_result connect(const endpoint& where, const connect_request& req, ms timeout) override;
  bool emit(const std::string& event, const std::string& data, std::optional<std::uint64_t> ack_id) override;
  bool send_raw(const std::string& frame) override { return client_.send_raw(frame); }
  outcome<received_event> next_event(const std::string& name, ms timeout) override;
  outcome<std::string> wait_ack(std::uint64_t id, ms timeout) override { return client_.wait_ack(id, timeout); }
  bool expect_no_event(const std::string& name, ms duration) override { return client_.expect_no_event(name, duration); }
  outcome<ws_message> wait_closed(ms timeout) override { return client_.wait_closed(timeout); }
  void idle(ms duration) override { client_.read_for(duration); }
  // As socket.io-client's socket.disconnect(): a DISCONNECT packet, then the close
  // frame. A goodbye, so the broker does not keep the session for recovery.
  void close() override {
    client_.send_raw("41");
    client_.close();
  }
  void drop() override { client_.drop(); }
  bool is_open() const override { return client_.is_open(); }
  std::optional<recovery_data> recovery() const override;
  std::string describe() const override { return client_.describe(); }

private:
  qc::test::sio_client client_;
  std::string pid_;          // from the CONNECT reply, when the broker offers recovery
  std::string last_offset_;  // from the last consumed event that carried one
};

}  // namespace qc::scenario
