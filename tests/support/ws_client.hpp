#pragma once
// A blocking WebSocket client with timeouts, for tests. Beast stays in ws_client.cpp.
//
// Reading runs in the background of each call: one read is kept pending on the
// socket and frames that complete while the test waits (or sends) are queued, so a
// timed-out read loses nothing and never leaves the stream half-cancelled.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace qc::test {

struct ws_connect_result {
  bool ok = false;
  int http_status = 0;   // 101 on success; the refusal's status otherwise (0: no HTTP answer)
  std::string body;      // the refusal's body
  std::string error;     // what went wrong, empty on success
};

struct ws_message {
  enum class kind { text, binary, closed, timeout };
  kind type = kind::timeout;
  std::string data;           // the frame's payload (text or binary)
  std::uint16_t close_code = 0;  // closed: the peer's close code; 1006 if the TCP connection just ended
  std::string close_reason;      // closed: the peer's reason, or the transport error

  bool is_text() const { return type == kind::text; }
  bool is_binary() const { return type == kind::binary; }
  bool is_closed() const { return type == kind::closed; }
  bool is_timeout() const { return type == kind::timeout; }
  std::string describe() const;
};

// Close code reported when the connection ended without a close frame (RFC 6455 7.1.5).
inline constexpr std::uint16_t kAbnormalClosure = 1006;

class ws_client {
public:
  ws_client();
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  ws_connect_result connect(const std::string& host, std::uint16_t port, const std::string& target,
                            const std::map<std::string, std::string>& headers = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // False if the connection is gone or the write did not finish in time.
  bool send_text(const std::string& data, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool send_binary(const std::string& data, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next frame, or closed (once closed, every later read says closed), or timeout.
  ws_message read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends a close frame and waits for the peer's close (frames read meanwhile are dropped).
  void close(std::uint16_t code = 1000, const std::string& reason = "", std::chrono::milliseconds timeout = std::chrono::seconds(2));
  // Abrupt end: closes the TCP socket without a close frame.
  void drop();
  bool is_open() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace qc::test
