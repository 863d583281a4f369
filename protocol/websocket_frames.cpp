#include "protocol/websocket_frames.hpp"

#include <algorithm>

#include "protocol/json.hpp"

namespace qc::protocol {

namespace {

constexpr std::size_t max_control_payload = 125;

bool is_control(ws_opcode op) {
  return (static_cast<unsigned>(op) & 0x8) != 0;
}

bool known_opcode(unsigned op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

/// Codes a peer may send in a close frame (RFC 6455 §7.4): the defined ones except
/// those reserved for reporting (1005, 1006, 1015) or unassigned, plus the ranges for
/// libraries (3000-3999) and applications (4000-4999).
bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999)
    return true;
  if (code < 1000 || code > 1014)
    return false;
  return code != 1004 && code != 1005 && code != 1006;
}

std::uint64_t read_big_endian(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

ws_frame_parser::ws_frame_parser(std::size_t max_message_bytes)
  : max_message_(max_message_bytes) {
}

ws_event ws_frame_parser::fail(std::uint16_t code, std::string reason) {
  failed_ = true;
  return ws_event{ws_event::kind::error, {}, code, std::move(reason)};
}

std::size_t ws_frame_parser::header_size() const {
  if (head_len_ < 2)
    return 2;
  auto len7 = head_[1] & 0x7F;
  std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  std::size_t mask = (head_[1] & 0x80) ? 4 : 0;
  return 2 + ext + mask;
}

// The first two bytes already say most of what can be wrong; refuse before reading on.
std::optional<ws_event> ws_frame_parser::check_first_bytes() {
  if (head_[0] & 0x70)
    return fail(ws_close::protocol_error, "reserved bits set");
  unsigned op = head_[0] & 0x0F;
  if (!known_opcode(op))
    return fail(ws_close::protocol_error, "reserved opcode");
  if (!(head_[1] & 0x80))
    return fail(ws_close::protocol_error, "client frame not masked");
  auto opcode = static_cast<ws_opcode>(op);
  bool fin = head_[0] & 0x80;
  if (is_control(opcode) && (!fin || (head_[1] & 0x7F) > max_control_payload))
    return fail(ws_close::protocol_error, "fragmented or oversized control frame");
  if (opcode == ws_opcode::continuation && !in_message_)
    return fail(ws_close::protocol_error, "continuation without a message");
  if (!is_control(opcode) && opcode != ws_opcode::continuation && in_message_)
    return fail(ws_close::protocol_error, "new message inside a fragmented one");
  return std::nullopt;
}

// The whole header is here: check the length before any payload is buffered.
std::optional<ws_event> ws_frame_parser::start_frame() {
  fin_ = head_[0] & 0x80;
  opcode_ = static_cast<ws_opcode>(head_[0] & 0x0F);
  auto len7 = head_[1] & 0x7F;
  std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  std::uint64_t length = ext ? read_big_endian(head_ + 2, ext) : len7;
  if (ext == 8 && (length >> 63))
    return fail(ws_close::protocol_error, "64-bit length with the top bit set");
  std::copy_n(head_ + 2 + ext, 4, mask_);
  mask_pos_ = 0;
  remaining_ = length;
  if (is_control(opcode_)) {
    control_.clear();
  } else {
    std::size_t buffered = opcode_ == ws_opcode::continuation ? message_.size() : 0;
    if (length > max_message_ || buffered > max_message_ - length)
      return fail(ws_close::too_big, "message too big");
    if (opcode_ != ws_opcode::continuation) {
      in_message_ = true;
      message_opcode_ = opcode_;
      message_.clear();
    }
    // Reserve what is declared, but not more than a read's worth: a client that
    // announces a megabyte and sends a byte must not cost a megabyte.
    message_.reserve(message_.size() + std::min<std::uint64_t>(length, 64 * 1024));
  }
  in_payload_ = true;
  return std::nullopt;
}

void ws_frame_parser::take_payload(std::string_view bytes) {
  auto& target = is_control(opcode_) ? control_ : message_;
  auto start = target.size();
  target.append(bytes);
  for (auto i = start; i < target.size(); ++i)
    target[i] = static_cast<char>(target[i] ^ mask_[mask_pos_++ & 3]);
  remaining_ -= bytes.size();
}

std::optional<ws_event> ws_frame_parser::finish_frame() {
  in_payload_ = false;
  head_len_ = 0;
  switch (opcode_) {
  case ws_opcode::ping:
    return ws_event{ws_event::kind::ping, std::move(control_), 0, {}};
  case ws_opcode::pong:
    return ws_event{ws_event::kind::pong, std::move(control_), 0, {}};
  case ws_opcode::close: {
    if (control_.empty())
      return ws_event{ws_event::kind::close, {}, ws_close::no_status, {}};
    if (control_.size() == 1)
      return fail(ws_close::protocol_error, "close frame with a 1-byte payload");
    auto code = static_cast<std::uint16_t>(
      read_big_endian(reinterpret_cast<const unsigned char*>(control_.data()), 2));
    if (!valid_close_code(code))
      return fail(ws_close::protocol_error, "invalid close code");
    auto reason = control_.substr(2);
    if (!valid_utf8(reason))
      return fail(ws_close::invalid_payload, "close reason is not UTF-8");
    return ws_event{ws_event::kind::close, std::move(reason), code, {}};
  }
  default:
    return fin_ ? finish_message() : std::nullopt;
  }
}

std::optional<ws_event> ws_frame_parser::finish_message() {
  in_message_ = false;
  bool text = message_opcode_ == ws_opcode::text;
  // Checked on the whole message: a character may be split across fragments.
  if (text && !valid_utf8(message_))
    return fail(ws_close::invalid_payload, "text message is not UTF-8");
  return ws_event{text ? ws_event::kind::text : ws_event::kind::binary, std::move(message_),
                  0, {}};
}

ws_parse_step ws_frame_parser::parse(std::string_view input) {
  ws_parse_step step;
  while (!failed_ && step.consumed < input.size()) {
    auto rest = input.substr(step.consumed);
    if (!in_payload_) {
      if (head_len_ == 0 && !in_message_)
        ++begun_;
      auto need = header_size();
      auto take = std::min(need - head_len_, rest.size());
      std::copy_n(rest.data(), take, head_ + head_len_);
      head_len_ += take;
      step.consumed += take;
      if (head_len_ == 2 && (step.event = check_first_bytes()))
        return step;
      if (head_len_ < header_size())
        continue; // more header bytes to come (or to be read)
      if ((step.event = start_frame()))
        return step;
    } else {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
      take_payload(rest.substr(0, take));
      step.consumed += take;
    }
    if (in_payload_ && remaining_ == 0 && (step.event = finish_frame()))
      return step;
  }
  return step;
}

void append_frame_header(std::string& out, ws_opcode opcode, std::uint64_t payload_size) {
  out.push_back(static_cast<char>(0x80 | static_cast<unsigned>(opcode)));
  if (payload_size < 126) {
    out.push_back(static_cast<char>(payload_size));
    return;
  }
  std::size_t ext = payload_size <= 0xFFFF ? 2 : 8;
  out.push_back(static_cast<char>(ext == 2 ? 126 : 127));
  for (std::size_t i = ext; i-- > 0;)
    out.push_back(static_cast<char>((payload_size >> (8 * i)) & 0xFF));
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  constexpr std::size_t max_reason = max_control_payload - 2;
  if (reason.size() > max_reason) {
    reason = reason.substr(0, max_reason);
    // Back off continuation bytes so the cut does not split a character.
    while (!reason.empty() && !valid_utf8(reason))
      reason.remove_suffix(1);
  }
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  out.append(reason);
  return out;
}

std::string encode_frame(ws_opcode opcode, std::string_view payload) {
  std::string out;
  out.reserve(max_server_header_size + payload.size());
  append_frame_header(out, opcode, payload.size());
  out.append(payload);
  return out;
}

std::string with_conflated_count(std::string_view payload, std::uint64_t count) {
  // Where the data object closes: the last '}' in a Socket.IO event (only a recovery
  // offset string may follow it), the one before the envelope's '}' in plain JSON.
  std::size_t close_at = std::string_view::npos;
  if (payload.starts_with("42") && payload.ends_with("]"))
    close_at = payload.rfind('}');
  else if (payload.starts_with("{") && payload.ends_with("}}"))
    close_at = payload.size() - 2;
  if (close_at == std::string_view::npos || close_at == 0)
    return std::string(payload);
  std::string member = payload[close_at - 1] == '{' ? "" : ",";
  member += "\"conflated\":";
  append_unsigned(member, count);
  std::string out;
  out.reserve(payload.size() + member.size());
  out.append(payload.substr(0, close_at));
  out.append(member);
  out.append(payload.substr(close_at));
  return out;
}

} // namespace qc::protocol
