#pragma once
// Socket.IO v5 packets, carried in Engine.IO message packets (the text after the '4').
//
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON data>]
//
// parse_sio validates like the official socket.io-parser, so a packet the official
// server would refuse is refused here too; encode_sio writes what the official encoder
// writes, byte for byte.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "protocol/limits.hpp"
#include "protocol/result.hpp"

namespace qc::protocol {

enum class sio_packet_type {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct sio_packet {
  sio_packet_type type;
  std::string nsp = "/";
  std::optional<std::uint64_t> ack_id{};
  std::size_t attachments = 0; // binary_event / binary_ack only
  std::string data{};          // raw JSON text, may be empty
  /// `data` as parse_sio parsed it (nullopt when there is none), so that nobody
  /// parses the same bytes twice.
  std::optional<rapidjson::Document> doc{};
};

/// What precedes a packet's JSON: all a refusal needs (type, namespace, ack id), read
/// without parsing the JSON. Views point into the text given to parse_sio_head.
struct sio_head {
  sio_packet_type type;
  std::string_view nsp = "/";
  std::optional<std::uint64_t> ack_id{};
  std::size_t attachments = 0;
  std::string_view data{}; // the JSON text that follows, not yet parsed
};

/// The header part of parse_sio, with the same errors, plus: a namespace longer than
/// lim.max_namespace_bytes (it would be echoed back in replies).
result<sio_head> parse_sio_head(std::string_view text, const limits& lim);

/// Parses the Engine.IO message payload, and its JSON once (kept in `doc`). Errors
/// (all invalid_message_format): those of parse_sio_head (empty or unknown type;
/// attachment count not digits, missing its '-', or over lim.max_attachments;
/// namespace not valid UTF-8, with control characters, or over
/// lim.max_namespace_bytes; ack id longer than 18 digits); data not valid JSON per
/// parse_json; EVENT/BINARY_EVENT data not a non-empty array starting with a string
/// (or naming a reserved event such as "disconnect", as the official parser refuses);
/// ACK/BINARY_ACK data not an array (EVENT and ACK packets must carry data); CONNECT
/// data present but not an object; CONNECT_ERROR data present but neither string nor
/// object; DISCONNECT with data.
result<sio_packet> parse_sio(std::string_view text, const limits& lim);

/// The inverse, without the Engine.IO '4' (wrap with encode_eio_message):
///   {connect, "/", -, 0, {"sid":"x"}}        -> 0{"sid":"x"}
///   {connect_error, "/random", -, 0, {..}}   -> 4/random,{..}
///   {ack, "/", 456, 0, [1,"2"]}              -> 3456[1,"2"]
///   {binary_event, "/", -, 2, [..]}          -> 52-[..]
std::string encode_sio(const sio_packet& packet);

/// True for the event names the official server refuses in EVENT packets.
bool is_reserved_event(std::string_view name);

/// Reassembles a binary packet: the header packet announces N attachments and the next
/// N binary frames of the connection are those attachments, in order.
class binary_assembler {
public:
  /// Holds at most `max_bytes` of attachments: one that would pass it is not stored,
  /// and too_big() says so (the caller then refuses the packet).
  explicit binary_assembler(sio_packet header,
                            std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

  /// Takes the next attachment; true once all announced attachments are in (also when
  /// called again after that: the extra frame is then not stored).
  bool add(std::string attachment);

  bool too_big() const { return too_big_; }
  std::size_t bytes() const { return bytes_; }

  bool complete() const { return attachments_.size() >= header_.attachments; }
  const std::vector<std::string>& attachments() const { return attachments_; }
  sio_packet& header() { return header_; }

private:
  sio_packet header_;
  std::vector<std::string> attachments_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  bool too_big_ = false;
};

} // namespace qc::protocol
