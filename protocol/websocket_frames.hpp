#pragma once
// WebSocket framing (RFC 6455) as pure code: an incremental parser of client -> server
// frames and an encoder of server -> client frame headers. No I/O: the connection feeds
// whatever bytes it has read and writes what the encoder produced.
//
// The connection speaks WebSocket itself (rather than through Beast's stream) so it can
// write many frames with one syscall; this is the half that needs no socket.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qc::protocol {

enum class ws_opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Close codes the parser reports (RFC 6455 §7.4.1).
namespace ws_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005; // a close frame without a code
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t too_big = 1009;
} // namespace ws_close

/// One thing the peer said: a whole (reassembled) message, a control frame, or the
/// reason the stream cannot be read any further.
struct ws_event {
  enum class kind { text, binary, ping, pong, close, error };
  kind type = kind::error;
  /// text/binary: the message; ping/pong: the control payload; close: the reason.
  std::string payload;
  /// close: the peer's code (1005 when it gave none); error: the code to close with
  /// (1002 protocol error, 1007 invalid UTF-8, 1009 message too big).
  std::uint16_t code = 0;
  /// error: what was wrong, short enough for a close frame's reason.
  std::string reason;
};

/// What one call to `ws_frame_parser::parse` did: how many input bytes it used, and the
/// event that completed, if one did.
struct ws_parse_step {
  std::size_t consumed = 0;
  std::optional<ws_event> event;
};

/// Parses client -> server frames incrementally. Feed it any slice of the byte stream;
/// it keeps partial headers and payloads between calls, so a frame may arrive one byte
/// at a time. It returns at most one event per call (so the caller can stop taking
/// input, for flow control, between any two events); call again with the rest.
///
/// Client frames must be masked; reserved bits and opcodes, bad continuations,
/// control frames that are fragmented or longer than 125 bytes and 64-bit lengths with
/// the top bit set are protocol errors (1002). A message whose size would pass
/// `max_message_bytes` is refused (1009) from its frame header, before its payload is
/// buffered. Text messages and close reasons must be valid UTF-8 (1007), checked on the
/// whole message so a character may straddle fragments. After an error the parser
/// consumes nothing more.
class ws_frame_parser {
public:
  explicit ws_frame_parser(std::size_t max_message_bytes);

  ws_parse_step parse(std::string_view input);

  bool failed() const { return failed_; }

  /// True when no frame or fragmented message is partly read.
  bool between_messages() const { return head_len_ == 0 && !in_payload_ && !in_message_; }

  /// Messages (and control frames outside one) begun so far: tells a caller that
  /// watches an incomplete message whether it is still the same one.
  std::uint64_t messages_begun() const { return begun_; }

private:
  std::size_t header_size() const;
  std::optional<ws_event> check_first_bytes();
  std::optional<ws_event> start_frame();
  void take_payload(std::string_view bytes);
  std::optional<ws_event> finish_frame();
  std::optional<ws_event> finish_message();
  ws_event fail(std::uint16_t code, std::string reason);

  std::size_t max_message_;
  bool failed_ = false;
  std::uint64_t begun_ = 0;

  // The frame being read: its header bytes, then its payload.
  unsigned char head_[14] = {};
  std::size_t head_len_ = 0;
  bool in_payload_ = false;
  bool fin_ = false;
  ws_opcode opcode_ = ws_opcode::continuation;
  std::uint64_t remaining_ = 0;
  unsigned char mask_[4] = {};
  std::size_t mask_pos_ = 0;

  // The data message being reassembled from its fragments, and the control frame.
  bool in_message_ = false;
  ws_opcode message_opcode_ = ws_opcode::text;
  std::string message_;
  std::string control_;
};

/// Appends a server -> client frame header (FIN set, unmasked) for a payload of
/// `payload_size` bytes: 2, 4 or 10 bytes.
void append_frame_header(std::string& out, ws_opcode opcode, std::uint64_t payload_size);

/// Largest header append_frame_header writes.
inline constexpr std::size_t max_server_header_size = 10;

/// A close frame's payload: the code in network order, then the reason, cut to fit a
/// control frame (125 bytes) without splitting a UTF-8 character.
std::string close_payload(std::uint16_t code, std::string_view reason);

/// Header and payload of one whole server frame (for control frames and tests).
std::string encode_frame(ws_opcode opcode, std::string_view payload);

/// Writes `"conflated":count` into a stream_data frame, as the last member of the
/// event's data object: 42["stream_data",{...}] (optionally with a recovery offset
/// after the object) or {"event":"stream_data","data":{...}}. A payload of any other
/// shape is returned unchanged.
std::string with_conflated_count(std::string_view payload, std::uint64_t count);

} // namespace qc::protocol
