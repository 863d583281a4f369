#pragma once
// What any client event that parse_client_event accepted (or refused) must satisfy, for
// every target that reaches it: Socket.IO events, /ws messages, POST /publish bodies and
// CSV rows (ticks). The properties are the ones protocol/client_events.hpp documents, and
// that the replies the broker builds from the event are JSON.

#include <algorithm>
#include <string>
#include <variant>

#include "protocol/client_events.hpp"
#include "protocol/names.hpp"
#include "protocol/room_roles.hpp"
#include "protocol/server_events.hpp"
#include "protocol/stream_data.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace qc::fuzz {

inline bool short_id(const std::string& s) { return !s.empty() && s.size() <= 128; }

inline void check_tick(const protocol::tick& t, const protocol::limits& lim) {
  FUZZ_CHECK(protocol::valid_symbol(t.symbol));
  FUZZ_CHECK(t.fields.size() < lim.max_tick_fields); // the symbol counts as one
  FUZZ_CHECK(protocol::tick_bytes(t) <= lim.max_tick_bytes);
  for (std::size_t i = 0; i < t.fields.size(); ++i) {
    const auto& [name, value] = t.fields[i];
    FUZZ_CHECK(!name.empty() && name != "symbol");
    FUZZ_CHECK(name.size() <= lim.max_tick_name_bytes && value.size() <= lim.max_tick_value_bytes);
    FUZZ_CHECK(is_json(value));
    for (std::size_t j = 0; j < i; ++j)
      FUZZ_CHECK(t.fields[j].first != name);
  }
  if (t.id)
    FUZZ_CHECK(short_id(*t.id) || t.id->find_first_not_of("-0123456789") == std::string::npos);
  if (t.timestamp_ms)
    FUZZ_CHECK(*t.timestamp_ms >= 0);
  // What the stream writes for subscribers with every field and with the default ones.
  const auto all = protocol::make_filter({"*"}, {});
  const auto defaults = protocol::make_filter({}, {"price", "volume", "timestamp"});
  FUZZ_CHECK(is_json(protocol::encode_stream_data(t, t.timestamp_ms.value_or(0), 1, all, true)));
  FUZZ_CHECK(is_json(protocol::encode_stream_data(t, 0, 2, defaults, false)));
}

inline void check_ticks(const protocol::publish_ticks& p, const protocol::limits& lim) {
  FUZZ_CHECK(!p.ticks.empty() && p.ticks.size() <= lim.max_ticks_per_publish);
  for (const auto& t : p.ticks)
    check_tick(t, lim);
}

inline void check_fields(const std::vector<std::string>& fields, const protocol::limits& lim) {
  FUZZ_CHECK(fields.size() <= lim.max_fields);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    FUZZ_CHECK(!fields[i].empty() && fields[i].size() <= 64);
    FUZZ_CHECK(std::find(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(i), fields[i]) ==
               fields.begin() + static_cast<std::ptrdiff_t>(i));
  }
  FUZZ_CHECK(is_json(protocol::encode_stream_subscribed("S", protocol::filter_fields(protocol::make_filter(
                                                                   fields, {"price"})),
                                                        0)));
}

/// Checks what parse_client_event returned for the event `name`.
inline void check_outcome(const std::variant<protocol::client_event, protocol::event_error>& outcome,
                          const protocol::limits& lim) {
  using namespace protocol;
  if (const auto* bad = std::get_if<event_error>(&outcome)) {
    FUZZ_CHECK(!bad->err.message.empty());
    FUZZ_CHECK(bad->reply_event == "error" || bad->reply_event == "stream_error" ||
               bad->reply_event == "response");
    FUZZ_CHECK(bad->request_id.has_value() == (bad->reply_event == "response"));
    if (bad->request_id)
      FUZZ_CHECK(is_json(encode_response_error(*bad->request_id, bad->err.code, bad->err.message, 0,
                                               bad->trace_id)));
    else
      FUZZ_CHECK(is_json(encode_error(bad->err.code, bad->err.message)));
    return;
  }
  const auto& event = std::get<client_event>(outcome);
  if (const auto* e = std::get_if<subscribe_room>(&event)) {
    FUZZ_CHECK(valid_room_name(e->room));
  } else if (const auto* e = std::get_if<unsubscribe_room>(&event)) {
    FUZZ_CHECK(valid_room_name(e->room));
  } else if (const auto* e = std::get_if<room_message_in>(&event)) {
    FUZZ_CHECK(valid_room_name(e->room));
    FUZZ_CHECK(e->content_json.size() <= lim.max_content_bytes && is_json(e->content_json));
    FUZZ_CHECK(e->metadata_json.size() <= lim.max_content_bytes && is_json(e->metadata_json));
    FUZZ_CHECK(e->metadata_json.front() == '{');
    if (e->target.role)
      FUZZ_CHECK(short_id(*e->target.role));
    if (e->target.user_id)
      FUZZ_CHECK(short_id(*e->target.user_id));
    FUZZ_CHECK(parse_message_type(to_string(e->type)) == e->type);
  } else if (const auto* e = std::get_if<subscribe_stream>(&event)) {
    FUZZ_CHECK(valid_symbol(e->symbol));
    check_fields(e->fields, lim);
  } else if (const auto* e = std::get_if<unsubscribe_stream>(&event)) {
    FUZZ_CHECK(valid_symbol(e->symbol));
  } else if (const auto* e = std::get_if<stream_filter_update>(&event)) {
    FUZZ_CHECK(valid_symbol(e->symbol));
    FUZZ_CHECK(!e->fields.empty());
    check_fields(e->fields, lim);
  } else if (const auto* e = std::get_if<publish_ticks>(&event)) {
    check_ticks(*e, lim);
  } else if (const auto* e = std::get_if<kick_member_in>(&event)) {
    FUZZ_CHECK(valid_room_name(e->room));
    FUZZ_CHECK(e->user_id.empty() != e->sid.empty()); // exactly one names the target
    FUZZ_CHECK(e->user_id.empty() || short_id(e->user_id));
    FUZZ_CHECK(e->sid.empty() || short_id(e->sid));
    FUZZ_CHECK(is_json(encode_member_kicked(e->room, e->user_id, 1)));
  } else if (const auto* e = std::get_if<set_member_role_in>(&event)) {
    FUZZ_CHECK(valid_room_name(e->room));
    FUZZ_CHECK(short_id(e->user_id));
    FUZZ_CHECK(room_role_from_wire(room_role_to_wire(e->role)) == e->role);
    FUZZ_CHECK(is_json(encode_member_role_changed(e->room, e->user_id, e->role, "by", 0)));
  } else if (const auto* e = std::get_if<request_in>(&event)) {
    FUZZ_CHECK(short_id(e->request_id) || is_json(e->request_id));
    if (e->trace_id)
      FUZZ_CHECK(short_id(*e->trace_id));
    FUZZ_CHECK(parse_request_action(to_string(e->action)) == e->action);
    FUZZ_CHECK(e->data_json.size() <= lim.max_content_bytes && is_json(e->data_json));
    if (e->limit)
      FUZZ_CHECK(*e->limit >= 1 && *e->limit <= 1000);
    if (e->before_seq)
      FUZZ_CHECK(*e->before_seq > 0 && e->action == request_action::get_market_data);
    if (e->count)
      FUZZ_CHECK(*e->count >= 1 && *e->count <= 1000);
    if (e->action == request_action::room_members || e->action == request_action::broadcast)
      FUZZ_CHECK(valid_room_name(e->room));
    if (e->action == request_action::get_market_data)
      FUZZ_CHECK(valid_symbol(e->symbol));
    if (e->action == request_action::send_to_user)
      FUZZ_CHECK(short_id(e->user_id));
    if (e->action == request_action::send_to_user || e->action == request_action::broadcast)
      FUZZ_CHECK(!e->event.empty() && e->event.size() <= 64);
    if (e->role)
      FUZZ_CHECK(short_id(*e->role));
    FUZZ_CHECK(is_json(encode_response_ok(e->request_id, e->data_json, 0, e->trace_id)));
  } else if (const auto* e = std::get_if<auth_refresh>(&event)) {
    FUZZ_CHECK(!e->token.empty() && e->token.size() <= lim.max_token_bytes);
  }
}

} // namespace qc::fuzz
