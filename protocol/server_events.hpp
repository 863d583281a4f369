#pragma once
// Payloads of the server -> client events (PROTOCOL.md §3 replies and §4). Each
// function returns the payload as compact JSON text, keys in the order shown; wrap it
// with framing.hpp for a transport. *_json arguments are already-encoded JSON and go
// in as they are (empty means null).
//
// Request errors (decided here, after MyStocks' WebSocketErrorMessage): the `response`
// event carries
//   {"type":"error","request_id":"r1","success":false,"error_code":"INVALID_ACTION",
//    "error_message":"...","timestamp":T,"server_time":T,"trace_id":"t1"}
// with "trace_id" only when the request had one. "success":false is our addition so a
// client can test `success` on every response, as it does for
//   {"type":"response","request_id":"r1","success":true,"data":...,"timestamp":T,"server_time":T,"trace_id"?}

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/client_events.hpp"
#include "protocol/error_codes.hpp"

namespace qc::protocol {

struct connect_info {
  std::string sid, user_id;
  std::vector<std::string> roles;
  std::int64_t server_time_ms;
  // Later additions (PROTOCOL.md §7), written after server_time when set:
  std::string restored_json{};              // "restored": saved subscriptions given back (raw JSON)
  std::optional<std::string> resume_token{};  // "resume_token" on /ws
  std::optional<bool> recovered{};            // "recovered": a reconnect that asked to recover
};

/// {"status":"connected","sid","user_id","roles":[..],"server_time"[,"restored"][,"resume_token"][,"recovered"]}
std::string encode_connect_response(const connect_info& info);

/// {"room","status":"subscribed","members":N}
std::string encode_subscribed(std::string_view room, std::size_t members);

/// {"room","status":"unsubscribed"}
std::string encode_unsubscribed(std::string_view room);

/// {"room","sid","user_id","timestamp"} for room_member_joined / room_member_left.
std::string encode_member_event(std::string_view room, std::string_view sid, std::string_view user_id,
                                std::int64_t ts_ms);

/// room_member_left for a member removed by kick_member:
/// {"room","sid","user_id","timestamp","reason"}.
std::string encode_member_left(std::string_view room, std::string_view sid, std::string_view user_id,
                               std::int64_t ts_ms, std::string_view reason);

// Room administration (PROTOCOL-NOTES "Room roles"). Roles are written with their wire
// names ("moderator"); the encoders take either form.

/// room_kicked, to each removed session: {"room","by","timestamp"}.
std::string encode_room_kicked(std::string_view room, std::string_view by, std::int64_t ts_ms);

/// member_kicked, the kicker's reply: {"room","user_id","sessions":N}.
std::string encode_member_kicked(std::string_view room, std::string_view user_id, std::size_t sessions);

/// room_member_role_changed, to every member: {"room","user_id","role","by","timestamp"}.
std::string encode_member_role_changed(std::string_view room, std::string_view user_id, std::string_view role,
                                       std::string_view by, std::int64_t ts_ms);

/// member_role_set, the caller's reply: {"room","user_id","role"}.
std::string encode_member_role_set(std::string_view room, std::string_view user_id, std::string_view role);

struct room_message_out {
  std::string id, room, sender_id;
  message_type type;
  std::string content_json, metadata_json;
  std::int64_t timestamp_ms;
};

/// {"id","room_id","sender_id","message_type","content","timestamp","metadata"};
/// empty metadata is written as {}.
std::string encode_room_message(const room_message_out& msg);

/// {"type":"notification","room","event","data","timestamp","server_time"[,"offline":true]}
/// An empty room (a notification to a user, not a room) is written as "room":null.
std::string encode_notification(std::string_view room, std::string_view event, std::string_view data_json,
                                std::int64_t ts_ms, bool offline);
/// The same with a separate server_time, for an offline message delivered later than
/// it was created.
std::string encode_notification(std::string_view room, std::string_view event, std::string_view data_json,
                                std::int64_t ts_ms, std::int64_t server_time_ms, bool offline);

/// {"type":"pong","timestamp","server_time"}
std::string encode_pong(std::int64_t ts_ms);

/// {"error_code","message"[,"details"]} for `error` and `stream_error`.
std::string encode_error(error_code code, std::string_view message, std::string_view details_json = {});

/// The success `response`; see the header comment.
std::string encode_response_ok(std::string_view request_id, std::string_view data_json, std::int64_t ts_ms,
                               const std::optional<std::string>& trace_id);

/// The error `response`; see the header comment.
std::string encode_response_error(std::string_view request_id, error_code code, std::string_view message,
                                  std::int64_t ts_ms, const std::optional<std::string>& trace_id);

/// Ack bodies (PROTOCOL.md §3): the reply payload with "ok" put first,
/// {"room":"a"} -> {"ok":true,"room":"a"}. Something that is not an object is wrapped:
/// 5 -> {"ok":true,"data":5}.
std::string with_ok(std::string_view payload_object_json, bool ok);

/// {"symbol","status":"subscribed","fields":[..],"timestamp"}
std::string encode_stream_subscribed(std::string_view symbol, const std::vector<std::string>& fields,
                                     std::int64_t ts_ms);

/// {"symbol","status":"unsubscribed","timestamp"}
std::string encode_stream_unsubscribed(std::string_view symbol, std::int64_t ts_ms);

/// {"symbol","fields":[..],"timestamp"}
std::string encode_stream_filter_updated(std::string_view symbol, const std::vector<std::string>& fields,
                                         std::int64_t ts_ms);

} // namespace qc::protocol
