#pragma once
// Engine.IO v4 over the WebSocket transport: one packet per frame, text packets are
// one type character followed by the data; binary frames are raw attachments.
//
// Also the upgrade request's query string and the Engine.IO HTTP error bodies, so the
// gateway answers a bad handshake exactly as the official server does.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qc::protocol {

enum class eio_packet_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

struct eio_packet {
  eio_packet_type type;
  std::string_view data; // the text after the type character (a view into the frame)
};

/// nullopt if the frame is empty or its first character is not a packet type.
std::optional<eio_packet> parse_eio_text(std::string_view frame);

struct eio_handshake {
  std::string sid;
  std::vector<std::string> upgrades;
  std::uint32_t ping_interval_ms;
  std::uint32_t ping_timeout_ms;
  std::size_t max_payload;
};

/// 0{"sid":"..","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
std::string encode_eio_open(const eio_handshake& handshake);

/// "4" + text: a Socket.IO packet (or any message) as an Engine.IO message packet.
std::string encode_eio_message(std::string_view text);

/// Any packet: the type character followed by data, e.g. encode_eio(ping) == "2",
/// encode_eio(pong, "probe") == "3probe".
std::string encode_eio(eio_packet_type type, std::string_view data = {});

/// The query of an upgrade request for /socket.io/ or /engine.io/.
struct eio_query {
  int eio = 0;                                // EIO=4; 0 when missing or not a number
  std::string transport;                      // "websocket", "polling", ...
  std::string sid;                            // empty on a fresh handshake
  std::map<std::string, std::string> params;  // every parameter, decoded (EIO, transport and sid too)
};

/// Splits and percent-decodes the query of a request target such as
/// "/socket.io/?EIO=4&transport=websocket&user_id=u1" ('+' is a space, as in Node's
/// querystring; the first of repeated keys wins; a bad %-escape stays as written).
eio_query parse_query(std::string_view target);

/// The path part of a request target: "/socket.io/" for "/socket.io/?EIO=4".
std::string_view target_path(std::string_view target);

/// Engine.IO error codes (the official server's numbering).
namespace eio_error {
inline constexpr int unknown_transport = 0;
inline constexpr int unknown_sid = 1;
inline constexpr int bad_handshake_method = 2;
inline constexpr int bad_request = 3;
inline constexpr int forbidden = 4;
inline constexpr int unsupported_protocol_version = 5;
} // namespace eio_error

/// Body of the HTTP 400 answer to a bad handshake, e.g. {"code":0,"message":"Transport unknown"}.
/// An unknown code is answered as code 3, "Bad request".
std::string encode_eio_http_error(int code);

/// Checks a WebSocket handshake query in the official server's order: the transport
/// (only "websocket" is served here, so "polling" is code 0 until polling exists), then
/// the sid (no polling sessions exist to upgrade, so any sid is code 1), then EIO=4
/// (code 5). nullopt means the handshake may proceed.
std::optional<int> check_eio_query(const eio_query& query);

} // namespace qc::protocol
