#include "apps/loadgen/ws_client.hpp"

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace qc::loadgen {

namespace {

std::string base64_16(const std::array<unsigned char, 16>& in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (unsigned{in[i]} << 16) | (unsigned{in[i + 1]} << 8) | in[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const unsigned v = unsigned{in[i]} << 16; // 16 = 5 * 3 + 1: one byte left
  out += alphabet[(v >> 18) & 63];
  out += alphabet[(v >> 12) & 63];
  out += "==";
  return out;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

} // namespace

std::uint32_t ws_client::next_mask() {
  // xorshift32: masking keys need not be secret on loopback, only varied.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 17;
  rng_ ^= rng_ << 5;
  return rng_;
}

bool ws_client::start(const sockaddr_in& target, const sockaddr_in* source, std::uint32_t seed) {
  rng_ = seed ? seed : 0x9e3779b9u;
  fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_) {
    failure_ = "socket() failed";
    return false;
  }
  const int one = 1;
  ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source) {
    // Pick the port at connect time, per (source, destination): many source
    // addresses then give many more than 28,000 connections to one server port.
    ::setsockopt(fd_.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(source), sizeof *source) != 0) {
      failure_ = "bind() failed";
      return false;
    }
  }
  if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0 && errno != EINPROGRESS) {
    failure_ = "connect() failed";
    return false;
  }
  state_ = state::connecting;
  return true;
}

bool ws_client::finish_connect(std::string_view host, std::string_view path) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    failure_ = "connect failed";
    return false;
  }
  std::array<unsigned char, 16> key{};
  for (std::size_t i = 0; i < key.size(); i += 4) {
    const auto r = next_mask();
    std::memcpy(key.data() + i, &r, 4);
  }
  out_ += "GET ";
  out_ += path;
  out_ += " HTTP/1.1\r\nHost: ";
  out_ += host;
  out_ += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ";
  out_ += base64_16(key);
  out_ += "\r\nUser-Agent: quotecast-loadgen\r\n\r\n";
  state_ = state::upgrading;
  return true;
}

bool ws_client::parse_upgrade_answer(std::size_t& header_end) {
  const auto end = pending_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (pending_.size() > 16384) {
      failure_ = "upgrade answer too long";
      return false;
    }
    return true;
  }
  const std::string_view head{pending_.data(), end};
  if (!iequals_prefix(head, "HTTP/1.1 101")) {
    failure_ = "upgrade refused (no 101)";
    return false;
  }
  header_end = end + 4;
  state_ = state::open;
  return true;
}

void ws_client::queue_frame(std::uint8_t opcode, std::string_view payload) {
  const std::size_t len = payload.size();
  unsigned char header[14];
  std::size_t h = 0;
  header[h++] = static_cast<unsigned char>(0x80 | opcode);
  if (len < 126) {
    header[h++] = static_cast<unsigned char>(0x80 | len);
  } else if (len < 65536) {
    header[h++] = 0x80 | 126;
    header[h++] = static_cast<unsigned char>(len >> 8);
    header[h++] = static_cast<unsigned char>(len);
  } else {
    header[h++] = 0x80 | 127;
    for (int shift = 56; shift >= 0; shift -= 8)
      header[h++] = static_cast<unsigned char>(static_cast<std::uint64_t>(len) >> shift);
  }
  const std::uint32_t mask = next_mask();
  std::memcpy(header + h, &mask, 4);
  h += 4;
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  }
  out_.append(reinterpret_cast<const char*>(header), h);
  const std::size_t at = out_.size();
  out_.append(payload);
  // Mask eight bytes at a time: the key repeats every four bytes, and `at` need not
  // be aligned because the bytes are copied in and out.
  std::uint64_t mask8 = (std::uint64_t{mask} << 32) | mask;
  char* p = out_.data() + at;
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, p + i, 8);
    chunk ^= mask8;
    std::memcpy(p + i, &chunk, 8);
  }
  const auto* mask_bytes = reinterpret_cast<const unsigned char*>(&mask);
  for (; i < len; ++i)
    p[i] = static_cast<char>(static_cast<unsigned char>(p[i]) ^ mask_bytes[i % 4]);
}

io_result ws_client::flush() {
  while (out_off_ < out_.size()) {
    const auto n = ::send(fd_.get(), out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      if (errno == EINTR)
        continue;
      failure_ = "send failed";
      return io_result::error;
    }
    out_off_ += static_cast<std::size_t>(n);
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  } else if (out_off_ > (1u << 20)) {
    out_.erase(0, out_off_);
    out_off_ = 0;
  }
  return io_result::ok;
}

} // namespace qc::loadgen
