#pragma once
// What the load generator says and hears on the wire, for both transports:
// Socket.IO v5 over Engine.IO v4 (`42["event",payload]`), and plain JSON on /ws
// (`{"event":"...","data":...}`). Incoming messages are classified by their prefix;
// stream_data is scanned for symbol, seq and the publisher's ts_us, room_message for
// room_id and the content "<seq>:<ts_us>", without a JSON parser: this runs once per
// delivery.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "apps/loadgen/options.hpp"

namespace qc::loadgen {

enum class message_kind {
  eio_open,          // Engine.IO open packet: answer with a Socket.IO CONNECT
  eio_ping,          // Engine.IO ping: answer "3"
  eio_close,
  connected,         // Socket.IO CONNECT accepted (socketio) or connect_response (ws)
  connect_refused,   // Socket.IO CONNECT_ERROR
  stream_data,
  stream_subscribed,
  stream_error,
  room_message,
  room_subscribed,   // `subscribed`: the answer to a room join (errors come as `error`)
  ack,               // the answer to a request with an id (the publisher's publish)
  error_event,
  other,
};

message_kind classify(transport t, std::string_view msg);

/// The WebSocket path to upgrade on.
std::string_view upgrade_path(transport t);

/// What a client says first after the WebSocket opened (Socket.IO answers the open
/// packet with this; /ws says nothing first).
inline constexpr std::string_view sio_connect = "40";
inline constexpr std::string_view eio_pong = "3";

/// An event as the transport frames it: `42["name",` + payload + `]`, or
/// `{"event":"name","data":` + payload + `}`. The parts, for messages built in pieces.
std::string event_head(transport t, std::string_view name);
std::string_view event_tail(transport t);

std::string subscribe_message(transport t, std::string_view symbol, const std::vector<std::string>& fields);
/// `subscribe {room}`.
std::string join_room_message(transport t, std::string_view room);

/// A room_message's content in rooms mode: "<seq>:<ts_us>" (a JSON string), seq per
/// room from 1, ts_us the send time in microseconds since the epoch.
inline constexpr char room_content_separator = ':';

struct delivery {
  std::string_view symbol;
  std::uint64_t seq = 0;
  std::int64_t ts_us = -1;     // the publisher's send time; -1 if not in the data
  std::uint64_t conflated = 0;
  bool snapshot = false;
};

/// Fills `out` from a stream_data message; false if symbol or seq are missing.
bool scan_stream_data(std::string_view msg, delivery& out);
/// Fills `out` from a room_message (`symbol` is the room_id, seq and ts_us come from
/// the content); false if the room or a well-formed content are missing.
bool scan_room_message(std::string_view msg, delivery& out);

/// The first string value of `"key":"` in a payload (the key given with its quotes,
/// colon and opening quote, e.g. R"("symbol":")"), or empty.
std::string_view find_string_value(std::string_view msg, std::string_view key);
/// The symbol named in a stream_subscribed (or any) payload: the first "symbol":"...".
inline std::string_view find_symbol(std::string_view msg) { return find_string_value(msg, R"("symbol":")"); }
/// The room named in a `subscribed` answer: the first "room":"...".
inline std::string_view find_room(std::string_view msg) { return find_string_value(msg, R"("room":")"); }
/// The error_code of an `error` event, or empty.
inline std::string_view find_error_code(std::string_view msg) { return find_string_value(msg, R"("error_code":")"); }

struct publish_ack {
  bool ok = false;
  std::uint64_t accepted = 0;
  std::uint64_t duplicates = 0;
  std::string_view error_code; // when not ok
};
publish_ack scan_publish_ack(std::string_view msg);

/// Symbol (room) names: prefix + decimal index.
std::string symbol_name(std::string_view prefix, std::size_t index);
/// The index of a symbol (room) named prefix + digits, or -1.
long symbol_index(std::string_view prefix, std::string_view symbol);

} // namespace qc::loadgen
