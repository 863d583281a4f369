#include "actors/frames.hpp"

#include "protocol/framing.hpp"

namespace qc {

shared_frame make_shared_frame(std::string_view event, std::string_view payload_json,
                               std::string_view conflate_key) {
  return std::make_shared<const wire_frame>(
    wire_frame{protocol::frame_sio_event(event, payload_json),
               protocol::frame_ws_event(event, payload_json), std::string(conflate_key)});
}

out_frame frame_for(const shared_frame& frame, transport_kind kind) {
  const std::string* bytes = kind == transport_kind::socketio ? &frame->socketio
                                                              : &frame->json;
  // Aliasing constructor: points at one member, keeps the whole frame alive.
  return out_frame{std::shared_ptr<const std::string>(frame, bytes), false,
                   frame->conflate_key};
}

out_frame make_out_frame(std::string bytes) {
  return out_frame{std::make_shared<const std::string>(std::move(bytes)), false, {}};
}

} // namespace qc
