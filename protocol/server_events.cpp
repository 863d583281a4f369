#include "protocol/server_events.hpp"

#include "protocol/json.hpp"
#include "protocol/room_roles.hpp"

namespace qc::protocol {

std::string encode_connect_response(const connect_info& info) {
  json_object out;
  out.string("status", "connected")
      .string("sid", info.sid)
      .string("user_id", info.user_id)
      .strings("roles", info.roles)
      .number("server_time", info.server_time_ms);
  if (!info.restored_json.empty())
    out.raw("restored", info.restored_json);
  if (info.resume_token)
    out.string("resume_token", *info.resume_token);
  if (info.recovered)
    out.boolean("recovered", *info.recovered);
  return out.done();
}

std::string encode_subscribed(std::string_view room, std::size_t members) {
  return json_object{}.string("room", room).string("status", "subscribed").number("members", members).done();
}

std::string encode_unsubscribed(std::string_view room) {
  return json_object{}.string("room", room).string("status", "unsubscribed").done();
}

std::string encode_member_event(std::string_view room, std::string_view sid, std::string_view user_id,
                                std::int64_t ts_ms) {
  return json_object{}
      .string("room", room)
      .string("sid", sid)
      .string("user_id", user_id)
      .number("timestamp", ts_ms)
      .done();
}

std::string encode_member_left(std::string_view room, std::string_view sid, std::string_view user_id,
                               std::int64_t ts_ms, std::string_view reason) {
  return json_object{}
      .string("room", room)
      .string("sid", sid)
      .string("user_id", user_id)
      .number("timestamp", ts_ms)
      .string("reason", reason)
      .done();
}

std::string encode_room_kicked(std::string_view room, std::string_view by, std::int64_t ts_ms) {
  return json_object{}.string("room", room).string("by", by).number("timestamp", ts_ms).done();
}

std::string encode_member_kicked(std::string_view room, std::string_view user_id, std::size_t sessions) {
  return json_object{}.string("room", room).string("user_id", user_id).number("sessions", sessions).done();
}

std::string encode_member_role_changed(std::string_view room, std::string_view user_id, std::string_view role,
                                       std::string_view by, std::int64_t ts_ms) {
  return json_object{}
      .string("room", room)
      .string("user_id", user_id)
      .string("role", room_role_to_wire(role))
      .string("by", by)
      .number("timestamp", ts_ms)
      .done();
}

std::string encode_member_role_set(std::string_view room, std::string_view user_id, std::string_view role) {
  return json_object{}
      .string("room", room)
      .string("user_id", user_id)
      .string("role", room_role_to_wire(role))
      .done();
}

std::string encode_room_message(const room_message_out& msg) {
  return json_object{}
      .string("id", msg.id)
      .string("room_id", msg.room)
      .string("sender_id", msg.sender_id)
      .string("message_type", to_string(msg.type))
      .raw("content", msg.content_json)
      .number("timestamp", msg.timestamp_ms)
      .raw("metadata", msg.metadata_json.empty() ? std::string_view("{}") : std::string_view(msg.metadata_json))
      .done();
}

std::string encode_notification(std::string_view room, std::string_view event, std::string_view data_json,
                                std::int64_t ts_ms, bool offline) {
  return encode_notification(room, event, data_json, ts_ms, ts_ms, offline);
}

std::string encode_notification(std::string_view room, std::string_view event, std::string_view data_json,
                                std::int64_t ts_ms, std::int64_t server_time_ms, bool offline) {
  json_object out;
  out.string("type", "notification");
  if (room.empty())
    out.null("room");
  else
    out.string("room", room);
  out.string("event", event).raw("data", data_json).number("timestamp", ts_ms).number("server_time", server_time_ms);
  if (offline)
    out.boolean("offline", true);
  return out.done();
}

std::string encode_pong(std::int64_t ts_ms) {
  return json_object{}.string("type", "pong").number("timestamp", ts_ms).number("server_time", ts_ms).done();
}

std::string encode_error(error_code code, std::string_view message, std::string_view details_json) {
  json_object out;
  out.string("error_code", to_string(code)).string("message", message);
  if (!details_json.empty())
    out.raw("details", details_json);
  return out.done();
}

std::string encode_response_ok(std::string_view request_id, std::string_view data_json, std::int64_t ts_ms,
                               const std::optional<std::string>& trace_id) {
  json_object out;
  out.string("type", "response")
      .string("request_id", request_id)
      .boolean("success", true)
      .raw("data", data_json)
      .number("timestamp", ts_ms)
      .number("server_time", ts_ms);
  if (trace_id)
    out.string("trace_id", *trace_id);
  return out.done();
}

std::string encode_response_error(std::string_view request_id, error_code code, std::string_view message,
                                  std::int64_t ts_ms, const std::optional<std::string>& trace_id) {
  json_object out;
  out.string("type", "error")
      .string("request_id", request_id)
      .boolean("success", false)
      .string("error_code", to_string(code))
      .string("error_message", message)
      .number("timestamp", ts_ms)
      .number("server_time", ts_ms);
  if (trace_id)
    out.string("trace_id", *trace_id);
  return out.done();
}

std::string with_ok(std::string_view payload, bool ok) {
  const std::string_view flag = ok ? "\"ok\":true" : "\"ok\":false";
  std::string out;
  out.reserve(payload.size() + flag.size() + 10);
  if (payload.size() >= 2 && payload.front() == '{' && payload.back() == '}') {
    out.push_back('{');
    out += flag;
    const std::string_view rest = payload.substr(1);
    if (rest != "}")
      out.push_back(',');
    out += rest;
    return out;
  }
  out.push_back('{');
  out += flag;
  out += ",\"data\":";
  out += payload.empty() ? std::string_view("null") : payload;
  out.push_back('}');
  return out;
}

std::string encode_stream_subscribed(std::string_view symbol, const std::vector<std::string>& fields,
                                     std::int64_t ts_ms) {
  return json_object{}
      .string("symbol", symbol)
      .string("status", "subscribed")
      .strings("fields", fields)
      .number("timestamp", ts_ms)
      .done();
}

std::string encode_stream_unsubscribed(std::string_view symbol, std::int64_t ts_ms) {
  return json_object{}.string("symbol", symbol).string("status", "unsubscribed").number("timestamp", ts_ms).done();
}

std::string encode_stream_filter_updated(std::string_view symbol, const std::vector<std::string>& fields,
                                         std::int64_t ts_ms) {
  return json_object{}.string("symbol", symbol).strings("fields", fields).number("timestamp", ts_ms).done();
}

} // namespace qc::protocol
