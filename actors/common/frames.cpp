#include "actors/common/frames.hpp"

#include "protocol/framing.hpp"

namespace qc {

namespace {

wire_frame encode_both(std::string_view event, std::string_view payload_json,
                       std::string_view offset) {
  wire_frame f;
  if (offset.empty()) {
    f.socketio = protocol::frame_sio_event(event, payload_json);
    f.json = protocol::frame_ws_event(event, payload_json);
  } else {
    f.socketio = protocol::frame_sio_event_with_offset(event, payload_json, offset);
    f.json = protocol::frame_ws_event_with_offset(event, payload_json, offset);
    f.offset = offset;
  }
  return f;
}

} // namespace

shared_frame make_shared_frame(std::string_view event, std::string_view payload_json,
                               std::string_view conflate_key, std::string_view offset) {
  auto f = encode_both(event, payload_json, offset);
  f.conflate_key = conflate_key;
  return std::make_shared<const wire_frame>(std::move(f));
}

shared_frame make_user_frame(std::string_view event, std::string payload_json,
                             std::string_view id, bool replayable, std::string_view sender) {
  auto f = encode_both(event, payload_json, replayable ? id : std::string_view());
  f.event = event;
  f.payload = std::move(payload_json);
  f.id = id;
  f.sender = sender;
  return std::make_shared<const wire_frame>(std::move(f));
}

out_frame frame_for(const shared_frame& frame, transport_kind kind) {
  const std::string* bytes = kind == transport_kind::socketio ? &frame->socketio
                                                              : &frame->json;
  // Aliasing constructor: points at one member, keeps the whole frame alive.
  return out_frame{std::shared_ptr<const std::string>(frame, bytes), false,
                   frame->conflate_key, frame.get()};
}

out_frame make_out_frame(std::string bytes) {
  return out_frame{std::make_shared<const std::string>(std::move(bytes)), false, {}};
}

} // namespace qc
