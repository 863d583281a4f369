#include "protocol/recovery.hpp"

#include "protocol/json.hpp"

namespace qc::protocol {

namespace {

bool usable_id(std::string_view s) {
  return !s.empty() && s.size() <= max_recovery_id_bytes;
}

} // namespace

std::optional<recovery_request> parse_recovery_auth(std::string_view connect_data,
                                                    const limits& lim) {
  if (connect_data.empty())
    return std::nullopt;
  auto doc = parse_json(connect_data, lim);
  if (!doc)
    return std::nullopt;
  return parse_recovery_auth(&*doc);
}

std::optional<recovery_request> parse_recovery_auth(const rapidjson::Value* doc) {
  if (!doc || !doc->IsObject())
    return std::nullopt;
  auto pid = doc->FindMember("pid");
  if (pid == doc->MemberEnd() || !pid->value.IsString())
    return std::nullopt;
  recovery_request req;
  req.pid.assign(pid->value.GetString(), pid->value.GetStringLength());
  if (!usable_id(req.pid))
    return std::nullopt;
  if (auto off = doc->FindMember("offset"); off != doc->MemberEnd() && off->value.IsString()) {
    std::string offset(off->value.GetString(), off->value.GetStringLength());
    if (!usable_id(offset))
      return std::nullopt;
    req.offset = std::move(offset);
  }
  return req;
}

std::optional<recovery_request> recovery_from_query(std::string_view resume,
                                                    std::optional<std::string_view> offset) {
  if (!usable_id(resume) || (offset && !offset->empty() && !usable_id(*offset)))
    return std::nullopt;
  recovery_request req;
  req.pid = resume;
  if (offset && !offset->empty())
    req.offset = std::string(*offset);
  return req;
}

std::string encode_restored(const std::vector<std::string>& rooms,
                            const std::vector<std::string>& symbols) {
  return json_object{}.strings("rooms", rooms).strings("streams", symbols).done();
}

std::string with_offline_flag(std::string_view payload) {
  if (payload.size() < 2 || payload.front() != '{' || payload.back() != '}')
    return std::string(payload);
  std::string out(payload.substr(0, payload.size() - 1));
  if (payload.size() > 2)
    out += ',';
  out += "\"offline\":true}";
  return out;
}

std::string encode_offline_messages(const std::vector<offline_entry>& messages) {
  std::string list = "[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0)
      list += ',';
    list += json_object{}
              .string("event", messages[i].event)
              .raw("data", with_offline_flag(messages[i].payload))
              .number("created", messages[i].created_ms)
              .done();
  }
  list += ']';
  return json_object{}.raw("messages", list).number("count", messages.size()).done();
}

} // namespace qc::protocol
