#include "protocol/client_events.hpp"

#include <algorithm>
#include <cmath>

#include "protocol/json.hpp"
#include "protocol/names.hpp"
#include "protocol/room_roles.hpp"

namespace qc::protocol {

namespace {

using outcome = std::variant<client_event, event_error>;
using rapidjson::Value;

constexpr std::size_t max_field_name_bytes = 64;
constexpr std::size_t max_event_name_bytes = 64;
constexpr std::size_t max_id_bytes = 128; // user ids, roles, request and trace ids, tick ids
constexpr std::uint32_t max_count = 1000; // request limit / count

constexpr std::string_view room_rule = "1-128 characters of A-Z a-z 0-9 _ . : -";
constexpr std::string_view symbol_rule = "1-32 characters of A-Z a-z 0-9 _ . -";

event_error fail(error_code code, std::string message, std::string reply_event = "error") {
  return event_error{error{code, std::move(message)}, std::move(reply_event), std::nullopt, std::nullopt};
}

event_error stream_fail(error_code code, std::string message) {
  return fail(code, std::move(message), "stream_error");
}

std::string_view text_of(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

// The member `key` of an object, or nullptr when it is absent or null.
const Value* member(const Value& object, std::string_view key) {
  const auto it = object.FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
  if (it == object.MemberEnd() || it->value.IsNull())
    return nullptr;
  return &it->value;
}

// A name quoted for an error message, unless it is too long to be worth echoing.
std::string quoted(std::string_view name) {
  if (name.size() > max_field_name_bytes)
    return "(name too long)";
  return "\"" + std::string(name) + "\"";
}

bool is_short_text(const Value* v, std::size_t max_bytes) {
  return v && v->IsString() && v->GetStringLength() > 0 && v->GetStringLength() <= max_bytes;
}

// -- names --------------------------------------------------------------------------

// The room named in `payload`, or why there is none usable.
result<std::string> room_from(const Value* payload, std::string_view event) {
  const Value* room = payload && payload->IsObject() ? member(*payload, "room") : nullptr;
  if (!room)
    return error{error_code::invalid_parameters, std::string(event) + " needs {\"room\": <name>}"};
  if (!room->IsString() || !valid_room_name(text_of(*room)))
    return error{error_code::invalid_parameters, "room name must be " + std::string(room_rule)};
  return std::string(text_of(*room));
}

result<std::string> symbol_from(const Value* payload, std::string_view event) {
  const Value* symbol = payload && payload->IsObject() ? member(*payload, "symbol") : nullptr;
  if (!symbol)
    return error{error_code::invalid_symbol, std::string(event) + " needs {\"symbol\": <symbol>}"};
  if (!symbol->IsString() || !valid_symbol(text_of(*symbol)))
    return error{error_code::invalid_symbol, "symbol must be " + std::string(symbol_rule)};
  return std::string(text_of(*symbol));
}

// A stream filter: an array of field names, bounded, duplicates dropped.
result<std::vector<std::string>> fields_from(const Value& value, const limits& lim) {
  if (!value.IsArray())
    return error{error_code::invalid_parameters, "fields must be an array of field names"};
  if (value.Size() > lim.max_fields)
    return error{error_code::invalid_parameters,
                 "too many fields (at most " + std::to_string(lim.max_fields) + ")"};
  std::vector<std::string> fields;
  fields.reserve(value.Size());
  for (const auto& item : value.GetArray()) {
    if (!is_short_text(&item, max_field_name_bytes))
      return error{error_code::invalid_parameters, "field names must be strings of 1-64 bytes"};
    std::string name(text_of(item));
    if (std::ranges::find(fields, name) == fields.end())
      fields.push_back(std::move(name));
  }
  return fields;
}

// -- room events --------------------------------------------------------------------

template <class Event>
outcome parse_room_membership(const Value* payload, std::string_view event) {
  auto room = room_from(payload, event);
  if (!room)
    return fail(room.error().code, room.error().message);
  return client_event{Event{std::move(*room)}};
}

result<target_filter> target_from(const Value& value) {
  if (!value.IsObject())
    return error{error_code::invalid_parameters, "target must be an object such as {\"role\":\"admin\"}"};
  target_filter target;
  if (const Value* role = member(value, "role")) {
    if (!is_short_text(role, max_id_bytes))
      return error{error_code::invalid_parameters, "target.role must be a string of 1-128 bytes"};
    target.role = std::string(text_of(*role));
  }
  if (const Value* user = member(value, "user_id")) {
    if (!is_short_text(user, max_id_bytes))
      return error{error_code::invalid_parameters, "target.user_id must be a string of 1-128 bytes"};
    target.user_id = std::string(text_of(*user));
  }
  return target;
}

outcome parse_room_message(const Value* payload, const limits& lim) {
  auto room = room_from(payload, "room_message");
  if (!room)
    return fail(room.error().code, room.error().message);
  room_message_in msg;
  msg.room = std::move(*room);

  const Value* content = member(*payload, "content");
  if (!content)
    return fail(error_code::invalid_parameters, "room_message needs a \"content\"");
  msg.content_json = to_json(*content);
  if (msg.content_json.size() > lim.max_content_bytes)
    return fail(error_code::invalid_parameters,
                "content is larger than " + std::to_string(lim.max_content_bytes) + " bytes");

  if (const Value* type = member(*payload, "message_type")) {
    const auto parsed = type->IsString() ? parse_message_type(text_of(*type)) : std::nullopt;
    if (!parsed)
      return fail(error_code::invalid_parameters,
                  "message_type must be one of text, notification, alert, system, data");
    msg.type = *parsed;
  }

  if (const Value* metadata = member(*payload, "metadata")) {
    if (!metadata->IsObject())
      return fail(error_code::invalid_parameters, "metadata must be an object");
    msg.metadata_json = to_json(*metadata);
    if (msg.metadata_json.size() > lim.max_content_bytes)
      return fail(error_code::invalid_parameters,
                  "metadata is larger than " + std::to_string(lim.max_content_bytes) + " bytes");
  }

  if (const Value* target = member(*payload, "target")) {
    auto parsed = target_from(*target);
    if (!parsed)
      return fail(parsed.error().code, parsed.error().message);
    msg.target = std::move(*parsed);
  }
  return client_event{std::move(msg)};
}

// -- room administration (PROTOCOL-NOTES "Room roles") ------------------------------

// An optional id-like member: absent, or a string of 1-128 bytes.
result<std::string> optional_id(const Value& payload, std::string_view key) {
  const Value* v = member(payload, key);
  if (!v)
    return std::string();
  if (!is_short_text(v, max_id_bytes))
    return error{error_code::invalid_parameters, std::string(key) + " must be a string of 1-128 bytes"};
  return std::string(text_of(*v));
}

outcome parse_kick_member(const Value* payload) {
  auto room = room_from(payload, "kick_member");
  if (!room)
    return fail(room.error().code, room.error().message);
  auto user = optional_id(*payload, "user_id");
  if (!user)
    return fail(user.error().code, user.error().message);
  auto sid = optional_id(*payload, "sid");
  if (!sid)
    return fail(sid.error().code, sid.error().message);
  if (user->empty() && sid->empty())
    return fail(error_code::invalid_parameters, "kick_member needs a \"user_id\" (or a \"sid\")");
  kick_member_in ev{std::move(*room), std::move(*user), std::move(*sid)};
  if (!ev.user_id.empty())
    ev.sid.clear();
  return client_event{std::move(ev)};
}

outcome parse_set_member_role(const Value* payload) {
  auto room = room_from(payload, "set_member_role");
  if (!room)
    return fail(room.error().code, room.error().message);
  auto user = optional_id(*payload, "user_id");
  if (!user)
    return fail(user.error().code, user.error().message);
  if (user->empty())
    return fail(error_code::invalid_parameters, "set_member_role needs a \"user_id\"");
  const Value* role = member(*payload, "role");
  auto parsed = role && role->IsString() ? room_role_from_wire(text_of(*role)) : std::nullopt;
  if (!parsed)
    return fail(error_code::invalid_parameters,
                "set_member_role needs a \"role\": one of owner, admin, moderator, member, guest");
  return client_event{set_member_role_in{std::move(*room), std::move(*user), std::move(*parsed)}};
}

// -- stream events ------------------------------------------------------------------

outcome parse_subscribe_stream(const Value* payload, const limits& lim) {
  auto symbol = symbol_from(payload, "subscribe_market_stream");
  if (!symbol)
    return stream_fail(symbol.error().code, symbol.error().message);
  subscribe_stream sub{std::move(*symbol), {}};
  if (const Value* fields = member(*payload, "fields")) {
    auto parsed = fields_from(*fields, lim);
    if (!parsed)
      return stream_fail(parsed.error().code, parsed.error().message);
    sub.fields = std::move(*parsed);
  }
  return client_event{std::move(sub)};
}

outcome parse_unsubscribe_stream(const Value* payload) {
  auto symbol = symbol_from(payload, "unsubscribe_market_stream");
  if (!symbol)
    return stream_fail(symbol.error().code, symbol.error().message);
  return client_event{unsubscribe_stream{std::move(*symbol)}};
}

outcome parse_filter_update(const Value* payload, const limits& lim) {
  auto symbol = symbol_from(payload, "stream_filter_update");
  if (!symbol)
    return stream_fail(symbol.error().code, symbol.error().message);
  const Value* fields = member(*payload, "fields");
  if (!fields)
    return stream_fail(error_code::invalid_parameters, "stream_filter_update needs \"fields\"");
  auto parsed = fields_from(*fields, lim);
  if (!parsed)
    return stream_fail(parsed.error().code, parsed.error().message);
  if (parsed->empty())
    return stream_fail(error_code::invalid_parameters, "stream_filter_update needs at least one field");
  return client_event{stream_filter_update{std::move(*symbol), std::move(*parsed)}};
}

// -- ticks --------------------------------------------------------------------------

error bad_tick(const std::string& label, std::string message) {
  return error{error_code::invalid_parameters, label + ": " + std::move(message)};
}

// Integer milliseconds; an integral double such as 1764134400000.0 is accepted too.
std::optional<std::int64_t> timestamp_from(const Value& v) {
  if (v.IsInt64())
    return v.GetInt64() >= 0 ? std::optional(v.GetInt64()) : std::nullopt;
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (d >= 0 && d < 9.2e18 && std::floor(d) == d)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

result<tick> parse_tick(const Value& v, const std::string& label, const limits& lim) {
  if (!v.IsObject())
    return bad_tick(label, "a tick must be an object");
  if (v.MemberCount() > lim.max_tick_fields)
    return bad_tick(label, "more than " + std::to_string(lim.max_tick_fields) + " fields");
  tick t;
  bool have_symbol = false;
  for (const auto& m : v.GetObject()) {
    const std::string_view name = text_of(m.name);
    const Value& value = m.value;
    if (name.empty())
      return bad_tick(label, "field names must not be empty");
    const bool repeated = (name == "symbol" && have_symbol) ||
                          std::ranges::any_of(t.fields, [&](const auto& f) { return f.first == name; });
    if (repeated)
      return bad_tick(label, "field " + quoted(name) + " appears twice");
    if (name == "symbol") {
      if (!value.IsString() || !valid_symbol(text_of(value)))
        return bad_tick(label, "symbol must be " + std::string(symbol_rule));
      t.symbol = std::string(text_of(value));
      have_symbol = true;
      continue;
    }
    if (!value.IsNumber() && !value.IsString() && !value.IsBool())
      return bad_tick(label, "field " + quoted(name) + " must be a number, a string or a boolean");
    if (name == "id") {
      if (is_short_text(&value, max_id_bytes))
        t.id = std::string(text_of(value));
      else if (value.IsInt64() || value.IsUint64())
        t.id = to_json(value);
      else
        return bad_tick(label, "id must be a string of 1-128 bytes or an integer");
    } else if (name == "timestamp") {
      t.timestamp_ms = timestamp_from(value);
      if (!t.timestamp_ms)
        return bad_tick(label, "timestamp must be integer milliseconds since the epoch");
    }
    if (name.size() > lim.max_tick_name_bytes)
      return bad_tick(label, "a field name is longer than " + std::to_string(lim.max_tick_name_bytes)
                               + " bytes");
    auto text = to_json(value);
    if (text.size() > lim.max_tick_value_bytes)
      return bad_tick(label, "field " + quoted(name) + " is longer than "
                               + std::to_string(lim.max_tick_value_bytes) + " bytes");
    t.fields.emplace_back(std::string(name), std::move(text));
  }
  if (!have_symbol)
    return bad_tick(label, "symbol is missing");
  // Each field is bounded above, but 64 of them would still be 256 KB: bound the whole.
  if (tick_bytes(t) > lim.max_tick_bytes)
    return bad_tick(label, "larger than " + std::to_string(lim.max_tick_bytes) + " bytes");
  return t;
}

outcome parse_publish(const Value* payload, const limits& lim) {
  if (!payload)
    return fail(error_code::invalid_parameters, "publish needs a tick object or an array of ticks");
  auto ticks = parse_ticks(*payload, lim);
  if (!ticks)
    return fail(ticks.error().code, ticks.error().message);
  return client_event{std::move(*ticks)};
}

// -- requests -----------------------------------------------------------------------

// limit / count: an integer 1..1000.
std::optional<std::uint32_t> count_from(const Value& v) {
  if (!v.IsUint64() || v.GetUint64() < 1 || v.GetUint64() > max_count)
    return std::nullopt;
  return static_cast<std::uint32_t>(v.GetUint64());
}

// Fills the action's parameters from the request's "payload" object; the error says
// which parameter is wrong (all invalid_parameters).
std::optional<error> fill_request_params(request_in& req, const Value& params, const limits& lim) {
  auto bad = [](std::string message) { return error{error_code::invalid_parameters, std::move(message)}; };
  const std::string action(to_string(req.action));

  auto need_room = [&]() -> std::optional<error> {
    const Value* room = member(params, "room");
    if (!room || !room->IsString() || !valid_room_name(text_of(*room)))
      return bad(action + " needs a room: " + std::string(room_rule));
    req.room = std::string(text_of(*room));
    return std::nullopt;
  };
  auto need_event_and_data = [&]() -> std::optional<error> {
    const Value* event = member(params, "event");
    if (!is_short_text(event, max_event_name_bytes))
      return bad(action + " needs an event name of 1-64 bytes");
    req.event = std::string(text_of(*event));
    if (const Value* data = member(params, "data"))
      req.data_json = to_json(*data);
    if (req.data_json.size() > lim.max_content_bytes)
      return bad("data is larger than " + std::to_string(lim.max_content_bytes) + " bytes");
    return std::nullopt;
  };
  auto optional_count = [&](std::string_view key, std::optional<std::uint32_t>& out) -> std::optional<error> {
    if (const Value* v = member(params, key)) {
      out = count_from(*v);
      if (!out)
        return bad(std::string(key) + " must be an integer from 1 to 1000");
    }
    return std::nullopt;
  };

  switch (req.action) {
  case request_action::get_market_data: {
    const Value* symbol = member(params, "symbol");
    if (!symbol || !symbol->IsString() || !valid_symbol(text_of(*symbol)))
      return bad("get_market_data needs a symbol: " + std::string(symbol_rule));
    req.symbol = std::string(text_of(*symbol));
    if (const Value* before = member(params, "before_seq")) {
      if (!before->IsUint64() || before->GetUint64() < 1)
        return bad("before_seq must be a positive integer");
      req.before_seq = before->GetUint64();
    }
    return optional_count("limit", req.limit);
  }
  case request_action::get_subscriptions:
  case request_action::list_rooms:
    return std::nullopt;
  case request_action::get_stats:
    for (auto [key, out] : {std::pair{"limit", &req.stats_page.limit}, std::pair{"offset", &req.stats_page.offset}}) {
      if (const Value* v = member(params, key)) {
        if (!v->IsUint64())
          return bad(std::string(key) + " must be a non-negative integer");
        *out = v->GetUint64();
      }
    }
    return std::nullopt;
  case request_action::room_members:
    return need_room();
  case request_action::get_offline_messages:
    return optional_count("count", req.count);
  case request_action::send_to_user: {
    const Value* user = member(params, "user_id");
    if (!is_short_text(user, max_id_bytes))
      return bad("send_to_user needs a user_id of 1-128 bytes");
    req.user_id = std::string(text_of(*user));
    return need_event_and_data();
  }
  case request_action::broadcast: {
    if (auto problem = need_room())
      return problem;
    if (auto problem = need_event_and_data())
      return problem;
    if (const Value* role = member(params, "role")) {
      if (!is_short_text(role, max_id_bytes))
        return bad("role must be a string of 1-128 bytes");
      req.role = std::string(text_of(*role));
    }
    return std::nullopt;
  }
  }
  return bad("unknown action");
}

outcome parse_request(const Value* payload, const limits& lim) {
  if (!payload || !payload->IsObject())
    return fail(error_code::invalid_parameters, "request needs an object payload");

  // Without a request_id there is nothing to answer with a response: plain "error".
  const Value* id = member(*payload, "request_id");
  request_in req{};
  if (is_short_text(id, max_id_bytes))
    req.request_id = std::string(text_of(*id));
  else if (id && id->IsNumber())
    req.request_id = to_json(*id);
  else
    return fail(error_code::invalid_parameters, "request needs a request_id (a string of 1-128 bytes or a number)");

  auto request_fail = [&](error_code code, std::string message) {
    event_error e = fail(code, std::move(message), "response");
    e.request_id = req.request_id;
    e.trace_id = req.trace_id;
    return e;
  };

  if (const Value* trace = member(*payload, "trace_id")) {
    if (!is_short_text(trace, max_id_bytes))
      return request_fail(error_code::invalid_parameters, "trace_id must be a string of 1-128 bytes");
    req.trace_id = std::string(text_of(*trace));
  }

  const Value* action = member(*payload, "action");
  if (!action || !action->IsString())
    return request_fail(error_code::invalid_action, "request needs an action");
  const auto parsed_action = parse_request_action(text_of(*action));
  if (!parsed_action)
    return request_fail(error_code::invalid_action, "unknown action " + quoted(text_of(*action)));
  req.action = *parsed_action;

  const Value* params = member(*payload, "payload");
  if (params && !params->IsObject())
    return request_fail(error_code::invalid_parameters, "request payload must be an object");
  const Value no_params(rapidjson::kObjectType);
  if (auto problem = fill_request_params(req, params ? *params : no_params, lim))
    return request_fail(problem->code, problem->message);
  return client_event{std::move(req)};
}

} // namespace

std::string_view to_string(message_type type) {
  switch (type) {
  case message_type::text: return "text";
  case message_type::notification: return "notification";
  case message_type::alert: return "alert";
  case message_type::system: return "system";
  case message_type::data: return "data";
  }
  return "text";
}

std::optional<message_type> parse_message_type(std::string_view text) {
  for (auto t : {message_type::text, message_type::notification, message_type::alert, message_type::system,
                 message_type::data})
    if (to_string(t) == text)
      return t;
  return std::nullopt;
}

std::string_view to_string(request_action action) {
  switch (action) {
  case request_action::get_market_data: return "get_market_data";
  case request_action::get_subscriptions: return "get_subscriptions";
  case request_action::list_rooms: return "list_rooms";
  case request_action::room_members: return "room_members";
  case request_action::get_offline_messages: return "get_offline_messages";
  case request_action::get_stats: return "get_stats";
  case request_action::send_to_user: return "send_to_user";
  case request_action::broadcast: return "broadcast";
  }
  return "get_stats";
}

std::optional<request_action> parse_request_action(std::string_view text) {
  for (auto a : {request_action::get_market_data, request_action::get_subscriptions, request_action::list_rooms,
                 request_action::room_members, request_action::get_offline_messages, request_action::get_stats,
                 request_action::send_to_user, request_action::broadcast})
    if (to_string(a) == text)
      return a;
  return std::nullopt;
}

std::size_t tick_bytes(const tick& t) {
  std::size_t n = t.symbol.size();
  for (const auto& [name, value] : t.fields)
    n += name.size() + value.size() + 4;
  return n;
}

result<publish_ticks> parse_ticks(const Value& value, const limits& lim) {
  publish_ticks out;
  if (value.IsObject()) {
    auto t = parse_tick(value, "tick", lim);
    if (!t)
      return t.error();
    out.ticks.push_back(std::move(*t));
    return out;
  }
  if (!value.IsArray())
    return error{error_code::invalid_parameters, "publish needs a tick object or an array of ticks"};
  if (value.Empty())
    return error{error_code::invalid_parameters, "publish needs at least one tick"};
  if (value.Size() > lim.max_ticks_per_publish)
    return error{error_code::invalid_parameters,
                 "too many ticks (at most " + std::to_string(lim.max_ticks_per_publish) + " per publish)"};
  out.ticks.reserve(value.Size());
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    auto t = parse_tick(value[i], "tick " + std::to_string(i), lim);
    if (!t)
      return t.error();
    out.ticks.push_back(std::move(*t));
  }
  return out;
}

namespace {

outcome parse_auth_refresh(const Value* payload, const limits& lim) {
  const Value* token = payload && payload->IsObject() ? member(*payload, "token") : nullptr;
  if (!token || !token->IsString() || token->GetStringLength() == 0)
    return fail(error_code::invalid_parameters, "auth_refresh needs {\"token\": <JWT>}");
  if (token->GetStringLength() > lim.max_token_bytes)
    return fail(error_code::auth_failed,
                "token longer than " + std::to_string(lim.max_token_bytes) + " bytes");
  return client_event{auth_refresh{std::string(text_of(*token))}};
}

} // namespace

std::variant<client_event, event_error> parse_client_event(std::string_view name, const rapidjson::Value* payload,
                                                           const limits& lim) {
  if (name == "subscribe")
    return parse_room_membership<subscribe_room>(payload, name);
  if (name == "unsubscribe")
    return parse_room_membership<unsubscribe_room>(payload, name);
  if (name == "room_message")
    return parse_room_message(payload, lim);
  if (name == "subscribe_market_stream")
    return parse_subscribe_stream(payload, lim);
  if (name == "unsubscribe_market_stream")
    return parse_unsubscribe_stream(payload);
  if (name == "stream_filter_update")
    return parse_filter_update(payload, lim);
  if (name == "publish")
    return parse_publish(payload, lim);
  if (name == "ping")
    return client_event{ping_in{}};
  if (name == "request")
    return parse_request(payload, lim);
  if (name == "kick_member")
    return parse_kick_member(payload);
  if (name == "set_member_role")
    return parse_set_member_role(payload);
  if (name == "auth_refresh")
    return parse_auth_refresh(payload, lim);
  return fail(error_code::invalid_action, "unknown event " + quoted(name));
}

} // namespace qc::protocol
