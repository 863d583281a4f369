#pragma once
// Every client -> server event of PROTOCOL.md §3, parsed and validated into a typed
// struct, or refused with the error the client must get and the event that carries it.
// Actors act only on what comes out of here.
//
// Optional fields given as JSON null count as absent (JavaScript clients send null for
// "not set"). Error codes follow the §3 table:
//   subscribe / unsubscribe / room_message / publish / kick_member / set_member_role /
//   unknown event -> "error"
//   subscribe_market_stream / unsubscribe_market_stream / stream_filter_update -> "stream_error"
//   request -> a `response` carrying the error shape (request_id set), or "error" when
//             the request has no usable request_id to answer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <rapidjson/document.h>

#include "protocol/limits.hpp"
#include "protocol/result.hpp"
#include "protocol/stats_page.hpp"

namespace qc::protocol {

struct target_filter {
  std::optional<std::string> role;
  std::optional<std::string> user_id;
};

struct subscribe_room {
  std::string room;
};

struct unsubscribe_room {
  std::string room;
};

enum class message_type { text, notification, alert, system, data };
std::string_view to_string(message_type type);
std::optional<message_type> parse_message_type(std::string_view text);

struct room_message_in {
  std::string room;
  std::string content_json; // content may be any JSON value; raw JSON text
  message_type type = message_type::text;
  std::string metadata_json = "{}"; // an object
  target_filter target;
};

struct subscribe_stream {
  std::string symbol;
  std::vector<std::string> fields; // empty = default fields; duplicates removed, order kept
};

struct unsubscribe_stream {
  std::string symbol;
};

struct stream_filter_update {
  std::string symbol;
  std::vector<std::string> fields; // non-empty; duplicates removed, order kept
};

/// One tick (PROTOCOL.md §5). `fields` holds every member of the tick object except
/// "symbol", in input order, as raw JSON scalars; "id" and "timestamp", when given,
/// are in `fields` too and also parsed into `id` and `timestamp_ms`.
struct tick {
  std::string symbol;
  std::optional<std::string> id;           // string, or integer rendered as text
  std::optional<std::int64_t> timestamp_ms; // integer ms since the epoch, >= 0
  std::vector<std::pair<std::string, std::string>> fields;
};

/// A tick's size as the broker holds and encodes it: the symbol, and per field its
/// name and raw JSON value plus 4 bytes of quotes and separators. What
/// limits.max_tick_bytes bounds and what a stream's ring counts.
std::size_t tick_bytes(const tick& t);

struct publish_ticks {
  std::vector<tick> ticks; // at least one, at most limits.max_ticks_per_publish
};

struct ping_in {};

/// auth_refresh {"token": "<JWT>"}: a live connection's new token (PROTOCOL.md §2). The
/// token is only bounded here (1..limits.max_token_bytes); the session verifies it. A
/// longer one is AUTH_FAILED on "error".
struct auth_refresh {
  std::string token;
};

/// kick_member {room, user_id} or {room, sid} (PROTOCOL-NOTES "Room roles"): removes
/// every session of that user from the room. Exactly one of user_id and sid is set
/// (both given: user_id wins, the sid is ignored).
struct kick_member_in {
  std::string room;
  std::string user_id; // 1-128 bytes, or empty when the sid names the target
  std::string sid;     // 1-128 bytes, or empty
};

/// set_member_role {room, user_id, role}: role is a wire name ("moderator") and
/// arrives here as the room role it names ("room_moderator").
struct set_member_role_in {
  std::string room;
  std::string user_id; // 1-128 bytes
  std::string role;    // "room_owner" ... "room_guest"
};

enum class request_action {
  get_market_data,
  get_subscriptions,
  list_rooms,
  room_members,
  get_offline_messages,
  get_stats,
  send_to_user,
  broadcast,
};
std::string_view to_string(request_action action);
std::optional<request_action> parse_request_action(std::string_view text);

/// A `request` (PROTOCOL.md §3). Parameters come from its "payload" object and are
/// filled per action:
///   get_market_data      symbol, limit?, before_seq? (only ticks with a smaller seq)
///   room_members         room
///   get_offline_messages count?
///   get_stats            limit?, offset? (stats_page: non-negative integers; the
///                        broker applies its bounds, protocol::resolve_stats_page)
///   send_to_user         user_id, event, data_json
///   broadcast            room, event, data_json, role?
/// limit/count are integers 1..1000; user ids and roles 1..128 bytes; event names
/// 1..64 bytes; data (any JSON, null when absent) at most limits.max_content_bytes.
/// "type" is not checked.
struct request_in {
  std::string request_id; // string, or number rendered as text
  request_action action;
  std::optional<std::string> trace_id;

  std::string room;
  std::string symbol;
  std::optional<std::uint32_t> limit;
  std::optional<std::uint64_t> before_seq; // get_market_data paging: a positive integer
  std::optional<std::uint32_t> count;
  std::string user_id;
  std::string event;
  std::string data_json = "null";
  std::optional<std::string> role;
  stats_page_request stats_page;
};

using client_event = std::variant<subscribe_room, unsubscribe_room, room_message_in, subscribe_stream,
                                  unsubscribe_stream, stream_filter_update, publish_ticks, ping_in, request_in,
                                  kick_member_in, set_member_role_in, auth_refresh>;

/// A refused event: the error, the event to send it on, and for requests the id to
/// answer. reply_event is "error", "stream_error", or "response" (then request_id is
/// set and the reply is encode_response_error).
struct event_error {
  error err;
  std::string reply_event;
  std::optional<std::string> request_id;
  std::optional<std::string> trace_id{}; // a request's trace_id, echoed in the error response
};

/// name: the event name; payload: the first argument after the name (nullptr if none).
/// An unknown name is invalid_action on "error".
std::variant<client_event, event_error> parse_client_event(std::string_view name, const rapidjson::Value* payload,
                                                           const limits& lim);

/// The tick part of `publish`, also for POST /publish: one tick object or an array of
/// them. Errors are invalid_parameters.
result<publish_ticks> parse_ticks(const rapidjson::Value& value, const limits& lim);

} // namespace qc::protocol
