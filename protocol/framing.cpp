#include "protocol/framing.hpp"

#include "protocol/json.hpp"

namespace qc::protocol {

namespace {

// "4" + packet type + "/ns," when not the main namespace.
std::string sio_prefix(char type, std::string_view nsp, std::size_t payload_size) {
  std::string out;
  out.reserve(payload_size + nsp.size() + 40);
  out.push_back('4');
  out.push_back(type);
  if (!nsp.empty() && nsp != "/") {
    out += nsp;
    out.push_back(',');
  }
  return out;
}

std::string_view or_null(std::string_view json) { return json.empty() ? std::string_view("null") : json; }

} // namespace

std::string frame_sio_event(std::string_view event, std::string_view payload_json, std::string_view nsp) {
  std::string out = sio_prefix('2', nsp, event.size() + payload_json.size());
  out.push_back('[');
  write_escaped_string(out, event);
  if (!payload_json.empty()) {
    out.push_back(',');
    out += payload_json;
  }
  out.push_back(']');
  return out;
}

std::string frame_sio_event_with_offset(std::string_view event, std::string_view payload_json,
                                        std::string_view offset, std::string_view nsp) {
  std::string out = sio_prefix('2', nsp, event.size() + payload_json.size() + offset.size());
  out.push_back('[');
  write_escaped_string(out, event);
  out.push_back(',');
  out += or_null(payload_json);
  out.push_back(',');
  write_escaped_string(out, offset);
  out.push_back(']');
  return out;
}

std::string frame_sio_ack(std::uint64_t ack_id, std::string_view payload_json, std::string_view nsp) {
  std::string out = sio_prefix('3', nsp, payload_json.size());
  append_unsigned(out, ack_id);
  out.push_back('[');
  out += payload_json;
  out.push_back(']');
  return out;
}

std::string frame_sio_connect(std::string_view sid, const std::optional<std::string>& pid, std::string_view nsp) {
  json_object body;
  body.string("sid", sid);
  if (pid)
    body.string("pid", *pid);
  return sio_prefix('0', nsp, 0) + body.done();
}

std::string frame_sio_connect_error(std::string_view message, std::string_view error_code, std::string_view nsp) {
  json_object body;
  body.string("message", message);
  if (!error_code.empty())
    body.raw("data", json_object{}.string("error_code", error_code).done());
  return sio_prefix('4', nsp, 0) + body.done();
}

std::string frame_ws_event(std::string_view event, std::string_view payload_json) {
  return json_object{}.string("event", event).raw("data", payload_json).done();
}

std::string frame_ws_event_with_offset(std::string_view event, std::string_view payload_json,
                                       std::string_view offset) {
  return json_object{}.string("event", event).string("offset", offset).raw("data", payload_json).done();
}

std::string frame_ws_ack(std::string_view id_json, std::string_view payload_json) {
  return json_object{}.raw("ack", id_json).raw("data", payload_json).done();
}

} // namespace qc::protocol
