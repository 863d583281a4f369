#include "apps/loadgen/wire.hpp"

#include <charconv>

namespace qc::loadgen {

namespace {

template <class T>
bool number_at(std::string_view msg, std::size_t pos, T& value) {
  const auto* end = msg.data() + msg.size();
  return std::from_chars(msg.data() + pos, end, value).ec == std::errc{};
}

// The string value that starts at `begin` (just past its opening quote), up to the
// closing quote; sets `end` to that quote. False if it does not close.
bool string_at(std::string_view msg, std::size_t begin, std::string_view& value, std::size_t& end) {
  end = msg.find('"', begin);
  if (end == std::string_view::npos)
    return false;
  value = msg.substr(begin, end - begin);
  return true;
}

// The position just past `key` at or after `from`, else past its first occurrence
// anywhere (peers may order keys differently), else npos.
std::size_t value_after(std::string_view msg, std::string_view key, std::size_t from) {
  auto pos = msg.find(key, from);
  if (pos == std::string_view::npos && from != 0)
    pos = msg.find(key);
  return pos == std::string_view::npos ? pos : pos + key.size();
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
}

} // namespace

std::string_view upgrade_path(transport t) {
  return t == transport::socketio ? "/socket.io/?EIO=4&transport=websocket" : "/ws";
}

message_kind classify(transport t, std::string_view msg) {
  if (t == transport::socketio) {
    if (msg.empty())
      return message_kind::other;
    switch (msg[0]) {
      case '0': return message_kind::eio_open;
      case '1': return message_kind::eio_close;
      case '2': return message_kind::eio_ping;
      case '4': break;
      default: return message_kind::other;
    }
    if (msg.size() < 2)
      return message_kind::other;
    switch (msg[1]) {
      case '0': return message_kind::connected;
      case '4': return message_kind::connect_refused;
      case '3': return message_kind::ack;
      case '2': break;
      default: return message_kind::other;
    }
    msg.remove_prefix(2);
    // An event may carry an ack id before the array: 42<id>["name",...].
    while (!msg.empty() && msg[0] >= '0' && msg[0] <= '9')
      msg.remove_prefix(1);
    if (msg.starts_with(R"(["stream_data")"))
      return message_kind::stream_data;
    if (msg.starts_with(R"(["stream_subscribed")"))
      return message_kind::stream_subscribed;
    if (msg.starts_with(R"(["stream_error")"))
      return message_kind::stream_error;
    if (msg.starts_with(R"(["room_message")"))
      return message_kind::room_message;
    if (msg.starts_with(R"(["subscribed")"))
      return message_kind::room_subscribed;
    if (msg.starts_with(R"(["error")"))
      return message_kind::error_event;
    return message_kind::other;
  }
  // /ws: {"event":"name","data":...} or {"ack":id,"data":...}.
  constexpr std::string_view event_key = R"("event":")";
  std::size_t pos = msg.starts_with(R"({"event":")") ? 1 : msg.find(event_key);
  if (pos == std::string_view::npos)
    return msg.find(R"("ack":)") != std::string_view::npos ? message_kind::ack : message_kind::other;
  const auto name = msg.substr(pos + event_key.size());
  if (name.starts_with(R"(stream_data")"))
    return message_kind::stream_data;
  if (name.starts_with(R"(connect_response")"))
    return message_kind::connected;
  if (name.starts_with(R"(stream_subscribed")"))
    return message_kind::stream_subscribed;
  if (name.starts_with(R"(stream_error")"))
    return message_kind::stream_error;
  if (name.starts_with(R"(room_message")"))
    return message_kind::room_message;
  if (name.starts_with(R"(subscribed")"))
    return message_kind::room_subscribed;
  if (name.starts_with(R"(error")"))
    return message_kind::error_event;
  return message_kind::other;
}

std::string event_head(transport t, std::string_view name) {
  std::string head = t == transport::socketio ? R"(42[")" : R"({"event":")";
  head += name;
  head += t == transport::socketio ? R"(",)" : R"(","data":)";
  return head;
}

std::string_view event_tail(transport t) { return t == transport::socketio ? "]" : "}"; }

std::string subscribe_message(transport t, std::string_view symbol, const std::vector<std::string>& fields) {
  std::string out = event_head(t, "subscribe_market_stream");
  out += R"({"symbol":)";
  append_json_string(out, symbol);
  out += R"(,"fields":[)";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i)
      out += ',';
    append_json_string(out, fields[i]);
  }
  out += "]}";
  out += event_tail(t);
  return out;
}

std::string join_room_message(transport t, std::string_view room) {
  std::string out = event_head(t, "subscribe");
  out += R"({"room":)";
  append_json_string(out, room);
  out += '}';
  out += event_tail(t);
  return out;
}

std::string_view find_string_value(std::string_view msg, std::string_view key) {
  const auto pos = msg.find(key);
  std::string_view value;
  std::size_t end = 0;
  if (pos == std::string_view::npos || !string_at(msg, pos + key.size(), value, end))
    return {};
  return value;
}

bool scan_stream_data(std::string_view msg, delivery& out) {
  // The broker writes {"symbol":..,"data":{..},"timestamp":..,"seq":N[,"snapshot":true][,"conflated":N]}:
  // each search starts where the previous one ended, and falls back to the whole
  // message for a peer that orders the keys differently.
  const auto sym_begin = value_after(msg, R"("symbol":")", 0);
  std::size_t sym_end = 0;
  if (sym_begin == std::string_view::npos || !string_at(msg, sym_begin, out.symbol, sym_end))
    return false;

  out.ts_us = -1;
  std::size_t from = sym_end;
  if (const auto ts = value_after(msg, R"("ts_us":)", from); ts != std::string_view::npos) {
    std::int64_t v = 0;
    if (number_at(msg, ts, v))
      out.ts_us = v;
    from = ts;
  }
  const auto seq = value_after(msg, R"("seq":)", from);
  if (seq == std::string_view::npos || !number_at(msg, seq, out.seq))
    return false;
  const auto tail = msg.substr(seq);
  out.snapshot = tail.find(R"("snapshot":true)") != std::string_view::npos;
  out.conflated = 0;
  if (const auto c = tail.find(R"("conflated":)"); c != std::string_view::npos)
    number_at(tail, c + 12, out.conflated);
  return true;
}

bool scan_room_message(std::string_view msg, delivery& out) {
  // The broker writes {"id":..,"room_id":"R","sender_id":..,"message_type":..,
  // "content":"<seq>:<ts_us>","timestamp":..,"metadata":{..}}; searched in order as above.
  const auto room_begin = value_after(msg, R"("room_id":")", 0);
  std::size_t room_end = 0;
  if (room_begin == std::string_view::npos || !string_at(msg, room_begin, out.symbol, room_end))
    return false;
  const auto content = value_after(msg, R"("content":")", room_end);
  if (content == std::string_view::npos)
    return false;
  const auto* end = msg.data() + msg.size();
  const auto seq = std::from_chars(msg.data() + content, end, out.seq);
  if (seq.ec != std::errc{} || seq.ptr == end || *seq.ptr != room_content_separator)
    return false;
  const auto ts = std::from_chars(seq.ptr + 1, end, out.ts_us);
  if (ts.ec != std::errc{} || ts.ptr == end || *ts.ptr != '"')
    return false;
  out.snapshot = false;
  out.conflated = 0;
  return true;
}

publish_ack scan_publish_ack(std::string_view msg) {
  publish_ack a;
  a.ok = msg.find(R"("ok":true)") != std::string_view::npos;
  if (!a.ok)
    a.error_code = find_error_code(msg);
  if (const auto p = value_after(msg, R"("accepted":)", 0); p != std::string_view::npos)
    number_at(msg, p, a.accepted);
  if (const auto p = value_after(msg, R"("duplicates":)", 0); p != std::string_view::npos)
    number_at(msg, p, a.duplicates);
  return a;
}

std::string symbol_name(std::string_view prefix, std::size_t index) {
  return std::string(prefix) + std::to_string(index);
}

long symbol_index(std::string_view prefix, std::string_view symbol) {
  if (!symbol.starts_with(prefix) || symbol.size() == prefix.size())
    return -1;
  long v = -1;
  const auto* end = symbol.data() + symbol.size();
  const auto [ptr, ec] = std::from_chars(symbol.data() + prefix.size(), end, v);
  return ec == std::errc{} && ptr == end ? v : -1;
}

} // namespace qc::loadgen
