#pragma once
// A deliberately raw WebSocket client for integration tests (header-only: it uses
// doctest's REQUIRE/CHECK). Shared by the tests that must send what a library would
// not: bad UTF-8, unmasked or fragmented frames, messages that never finish.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace qc::test {

using namespace std::chrono_literals;

/// A deliberately raw WebSocket client (POSIX sockets, hand-made frames), so a test can
/// send what a library would refuse to (bad UTF-8, unmasked frames) and see every
/// control frame the server sends.
class raw_ws {
public:
  struct frame {
    unsigned opcode = 0; // 0 with `eof` or `timeout`
    std::string payload;
    bool eof = false;     // the server closed TCP (FIN)
    bool reset = false;   // ... or reset it
    bool timeout = false;
    std::uint16_t close_code() const {
      return payload.size() >= 2 ? static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                              static_cast<unsigned char>(payload[1]))
                                 : 0;
    }
  };

  /// `receive_buffer` > 0 shrinks the socket's receive buffer (a slow reader's backlog
  /// then stays in the broker's queue rather than in the kernel).
  explicit raw_ws(std::uint16_t port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    set_timeout(5s);
  }
  ~raw_ws() { ::close(fd_); }
  raw_ws(const raw_ws&) = delete;
  raw_ws& operator=(const raw_ws&) = delete;

  /// Sends the upgrade request and returns the whole HTTP response head.
  std::string upgrade(const std::string& target, const std::string& extra_headers = "",
                      const std::string& version = "13") {
    send_all("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: " + version + "\r\n" + extra_headers + "\r\n");
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!fill())
        break;
    auto end = buffer_.find("\r\n\r\n");
    auto head = buffer_.substr(0, end == std::string::npos ? buffer_.size() : end + 4);
    buffer_.erase(0, head.size());
    return head;
  }

  /// A masked client frame; `first_byte` is FIN/RSV/opcode as sent.
  void send_frame(unsigned first_byte, const std::string& payload, bool masked = true) {
    std::string out;
    out.push_back(static_cast<char>(first_byte));
    unsigned char mask_bit = masked ? 0x80 : 0;
    if (payload.size() < 126) {
      out.push_back(static_cast<char>(mask_bit | payload.size()));
    } else {
      out.push_back(static_cast<char>(mask_bit | 126));
      out.push_back(static_cast<char>(payload.size() >> 8));
      out.push_back(static_cast<char>(payload.size() & 0xFF));
    }
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    if (masked)
      out.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
      out.push_back(static_cast<char>(payload[i] ^ (masked ? mask[i % 4] : 0)));
    send_all(out);
  }

  /// Bytes as they are: a partial frame, a header alone.
  void send_bytes(const std::string& data) { send_all(data); }

  void send_close(std::uint16_t code) {
    send_frame(0x88, std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)});
  }

  /// The next server frame (unmasked, FIN expected), or how the stream ended.
  frame read_frame(std::chrono::milliseconds timeout = 5s) {
    set_timeout(timeout);
    frame f;
    while (true) {
      if (auto parsed = take_frame())
        return *parsed;
      errno = 0;
      if (!fill()) {
        f.timeout = errno == EAGAIN || errno == EWOULDBLOCK;
        f.reset = errno == ECONNRESET;
        f.eof = !f.timeout && !f.reset;
        return f;
      }
    }
  }

  /// The next frame with `opcode`, skipping others (e.g. connect_response).
  frame read_until(unsigned opcode, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms)
        return frame{0, {}, false, false, true};
      auto f = read_frame(left);
      if (f.opcode == opcode || f.opcode == 0)
        return f;
    }
  }

private:
  void set_timeout(std::chrono::milliseconds t) {
    timeval tv{static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>((t.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += static_cast<std::size_t>(n);
    }
  }
  bool fill() {
    char buf[65536];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  std::optional<frame> take_frame() {
    if (buffer_.size() < 2)
      return std::nullopt;
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(buffer_[i]); };
    std::uint64_t len = b(1) & 0x7F;
    std::size_t head = 2;
    if (len == 126) {
      if (buffer_.size() < 4) return std::nullopt;
      len = (b(2) << 8) | b(3);
      head = 4;
    } else if (len == 127) {
      if (buffer_.size() < 10) return std::nullopt;
      len = 0;
      for (std::size_t i = 2; i < 10; ++i) len = (len << 8) | b(i);
      head = 10;
    }
    if (buffer_.size() < head + len)
      return std::nullopt;
    CHECK((b(0) & 0x80) != 0);  // the server never fragments
    CHECK((b(1) & 0x80) == 0);  // nor masks
    frame f;
    f.opcode = b(0) & 0x0F;
    f.payload = buffer_.substr(head, len);
    buffer_.erase(0, head + len);
    return f;
  }

  int fd_ = -1;
  std::string buffer_;
};

} // namespace qc::test
