#include "protocol/ws_json.hpp"

#include "protocol/json.hpp"

namespace qc::protocol {

namespace {

error bad_message(std::string message) {
  return error{error_code::invalid_message_format, std::move(message)};
}

} // namespace

result<ws_inbound> parse_ws_message(std::string_view text, const limits& lim) {
  auto parsed = parse_json(text, lim);
  if (!parsed)
    return parsed.error();
  rapidjson::Document& doc = *parsed;
  if (!doc.IsObject())
    return bad_message("message must be a JSON object");

  const auto event = doc.FindMember("event");
  if (event == doc.MemberEnd() || !event->value.IsString() || event->value.GetStringLength() == 0)
    return bad_message("message needs a non-empty string \"event\"");

  ws_inbound in;
  in.event.assign(event->value.GetString(), event->value.GetStringLength());

  if (const auto id = doc.FindMember("id"); id != doc.MemberEnd() && !id->value.IsNull()) {
    if (!id->value.IsNumber() && !id->value.IsString())
      return bad_message("\"id\" must be a number or a string");
    in.id_json = to_json(id->value);
  }

  // Hand "data" over without copying: make it the root of the parsed document, whose
  // allocator owns its strings, and move the whole document into the result.
  if (const auto data = doc.FindMember("data"); data != doc.MemberEnd()) {
    rapidjson::Value payload;
    payload.Swap(data->value);
    static_cast<rapidjson::Value&>(doc).Swap(payload);
    in.payload = std::move(doc);
  }
  return in;
}

} // namespace qc::protocol
