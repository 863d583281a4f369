#pragma once
// A minimal non-blocking WebSocket client connection (RFC 6455) for an epoll loop:
// non-blocking connect, the HTTP upgrade, masked client frames into an output buffer,
// and unmasked server frames parsed several per read straight out of the caller's
// scratch buffer (only a partial frame at the end is copied). Pings are answered,
// a close frame is answered and ends the connection. The Sec-WebSocket-Accept value
// is not verified: a 101 answer is taken as success.

#include <netinet/in.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "apps/loadgen/unique_fd.hpp"

namespace qc::loadgen {

enum class io_result { ok, closed, error };

class ws_client {
public:
  enum class state : std::uint8_t { unused, connecting, upgrading, open, closed };

  /// Starts a non-blocking connect to `target`, from `source` (port 0) unless it is
  /// null. False on an immediate failure; errno tells why.
  bool start(const sockaddr_in& target, const sockaddr_in* source, std::uint32_t seed);
  /// On the first writability: true if the TCP connect succeeded; then the upgrade
  /// request for `path` is queued.
  bool finish_connect(std::string_view host, std::string_view path);

  /// Queues one masked text frame.
  void queue_text(std::string_view payload) { queue_frame(0x1, payload); }
  /// Writes what is queued, as far as the socket takes it.
  io_result flush();
  bool wants_write() const { return out_off_ < out_.size(); }
  std::size_t queued_bytes() const { return out_.size() - out_off_; }

  /// Reads what the socket has (into `scratch`) and calls `on_message(std::string_view)`
  /// for every complete text or binary message, in order. `closed` once the peer
  /// closed (or sent a close frame), `error` on a socket or protocol error.
  template <class OnMessage>
  io_result read(std::span<char> scratch, OnMessage&& on_message);

  void close() {
    fd_.reset();
    state_ = state::closed;
  }
  int fd() const { return fd_.get(); }
  state current() const { return state_; }
  /// Why the last read or connect failed (for diagnostics).
  const char* failure() const { return failure_; }

private:
  void queue_frame(std::uint8_t opcode, std::string_view payload);
  std::uint32_t next_mask();
  // Parses the upgrade answer from pending_; false on a refusal.
  bool parse_upgrade_answer(std::size_t& header_end);
  // Parses complete frames from data; returns the bytes consumed, or npos on a
  // protocol error or close frame (closed_ tells which).
  template <class OnMessage>
  std::size_t parse_frames(std::string_view data, OnMessage& on_message);

  unique_fd fd_;
  state state_ = state::unused;
  bool peer_closed_ = false;
  std::uint8_t frag_opcode_ = 0;
  std::uint32_t rng_ = 1;
  const char* failure_ = "";
  std::string out_;
  std::size_t out_off_ = 0;
  std::string pending_;   // a partial frame (or the partial upgrade answer)
  std::string fragments_; // a fragmented message being assembled
};

// ---- template definitions: the read path is the hot path ----

template <class OnMessage>
std::size_t ws_client::parse_frames(std::string_view data, OnMessage& on_message) {
  std::size_t pos = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  while (data.size() - pos >= 2) {
    const unsigned char b0 = bytes[pos];
    const unsigned char b1 = bytes[pos + 1];
    const bool fin = (b0 & 0x80) != 0;
    const std::uint8_t opcode = b0 & 0x0f;
    if ((b1 & 0x80) != 0 || (b0 & 0x70) != 0) { // servers do not mask; no extensions
      failure_ = "protocol error: masked or RSV frame from server";
      return std::string_view::npos;
    }
    std::uint64_t len = b1 & 0x7f;
    std::size_t header = 2;
    if (len == 126) {
      if (data.size() - pos < 4)
        break;
      len = (std::uint64_t{bytes[pos + 2]} << 8) | bytes[pos + 3];
      header = 4;
    } else if (len == 127) {
      if (data.size() - pos < 10)
        break;
      len = 0;
      for (int i = 0; i < 8; ++i)
        len = (len << 8) | bytes[pos + 2 + static_cast<std::size_t>(i)];
      header = 10;
      if (len > (std::uint64_t{1} << 30)) {
        failure_ = "protocol error: frame over 1 GiB";
        return std::string_view::npos;
      }
    }
    if (data.size() - pos - header < len)
      break;
    const std::string_view payload = data.substr(pos + header, static_cast<std::size_t>(len));
    pos += header + static_cast<std::size_t>(len);
    switch (opcode) {
      case 0x1:
      case 0x2:
        if (fin) {
          on_message(payload);
        } else {
          frag_opcode_ = opcode;
          fragments_.assign(payload);
        }
        break;
      case 0x0:
        fragments_.append(payload);
        if (fin) {
          on_message(std::string_view{fragments_});
          fragments_.clear();
          frag_opcode_ = 0;
        }
        break;
      case 0x9: // ping: answer with the same payload
        queue_frame(0xA, payload);
        break;
      case 0xA:
        break;
      case 0x8: // close: answer it, then we are done
        queue_frame(0x8, payload.substr(0, 2));
        peer_closed_ = true;
        failure_ = "close frame from server";
        return std::string_view::npos;
      default:
        failure_ = "protocol error: unknown opcode";
        return std::string_view::npos;
    }
  }
  return pos;
}

template <class OnMessage>
io_result ws_client::read(std::span<char> scratch, OnMessage&& on_message) {
  // A full scratch buffer may mean more is waiting; a few rounds, then back to epoll
  // (level-triggered) so other connections get their turn.
  for (int round = 0; round < 4; ++round) {
    const auto n = ::recv(fd_.get(), scratch.data(), scratch.size(), 0);
    if (n == 0) {
      failure_ = "connection closed by server";
      return io_result::closed;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return io_result::ok;
      if (errno == EINTR)
        continue;
      failure_ = "recv failed";
      return io_result::error;
    }
    const auto got = static_cast<std::size_t>(n);
    // The common case parses straight out of scratch; only when a partial frame (or
    // the upgrade answer) is pending are the new bytes appended to it.
    const bool buffered = state_ == state::upgrading || !pending_.empty();
    if (buffered)
      pending_.append(scratch.data(), got);
    const std::string_view data = buffered ? std::string_view{pending_} : std::string_view{scratch.data(), got};
    std::size_t skip = 0;
    if (state_ == state::upgrading) {
      if (!parse_upgrade_answer(skip))
        return io_result::error;
      if (state_ == state::upgrading) // the answer is not complete yet
        continue;
    }
    const auto used = parse_frames(data.substr(skip), on_message);
    if (used == std::string_view::npos)
      return peer_closed_ ? io_result::closed : io_result::error;
    if (buffered)
      pending_.erase(0, skip + used);
    else if (used < data.size())
      pending_.assign(data.substr(used));
    if (got < scratch.size())
      return io_result::ok;
  }
  return io_result::ok;
}

} // namespace qc::loadgen
