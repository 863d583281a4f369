// Outbound: room and stream packets by state, replies, errors and acks, and the outbox
// that batches them into one hand-over to the socket.

#include "actors/session/session_core.hpp"

namespace qc::session_detail {

// What a room or stream packet means in each state, in this one place: the state
// tables route `deliver` here, and so do the snapshots and replays written from inside
// the session. While live, the connection keeps what it was given for replay (its
// order is the client's); while parked, this session keeps what arrives.
void session_core::on_deliver(const shared_frame& frame) {
  switch (state_) {
    case session_state::live:
      write_delivery(frame);
      return;
    case session_state::parked:
    case session_state::handing_over:
      if (!frame->offset.empty() && !pid_.empty())
        keep(frame);
      return;
    case session_state::departed:
    case session_state::closing:
      // The client has gone: what was still on its way is owed to the user.
      queue_offline(frame);
      return;
    case session_state::awaiting_connect:
    case session_state::opening:
      return; // not the client's yet
  }
}

void session_core::write_delivery(const shared_frame& frame) {
  ++stats_.messages_out;
  write(frame_for(frame, p_.transport));
}

void session_core::on_flush_message() {
  flush_queued_ = false;
  flush();
}

void session_core::flush() {
  if (outbox_.empty())
    return;
  if (auto conn = p_.conn.lock())
    conn->send_all(outbox_);
  outbox_.clear(); // keeps its capacity for the next batch
}

void session_core::consumed() {
  if (auto conn = p_.conn.lock())
    conn->consumed();
}

connection_stats session_core::stats() {
  stats_.rooms = rooms_.size();
  stats_.user_id = who_.user_id;
  stats_.parked = is_parked();
  auto s = stats_;
  if (!connection_closed_)
    if (auto conn = p_.conn.lock())
      s.messages_out += conn->direct_frames();
  return s;
}

void session_core::respond_ok(const protocol::request_in& req, const std::string& data,
                              const ack_token& ack) {
  send_reply("response",
             protocol::encode_response_ok(req.request_id, data, now_ms(), req.trace_id),
             ack);
}

void session_core::respond_error(const std::string& request_id, const std::optional<std::string>& trace,
                                 error_code code, const std::string& message, const ack_token& ack) {
  ++stats_.errors;
  auto payload = protocol::encode_response_error(request_id, code, message, now_ms(), trace);
  send_event("response", payload);
  if (ack.wanted())
    send_ack(ack, protocol::with_ok(payload, false));
}

void session_core::send_reply(std::string_view event, const std::string& payload, const ack_token& ack) {
  send_event(event, payload);
  if (ack.wanted())
    send_ack(ack, protocol::with_ok(payload, true));
}

void session_core::send_error(std::string_view event, error_code code, const std::string& message,
                              const ack_token& ack) {
  ++stats_.errors;
  auto payload = protocol::encode_error(code, message);
  send_event(event, payload);
  if (ack.wanted())
    send_ack(ack, protocol::with_ok(payload, false));
}

void session_core::send_event(std::string_view event, std::string_view payload) {
  send_raw(p_.transport == transport_kind::socketio
             ? protocol::frame_sio_event(event, payload)
             : protocol::frame_ws_event(event, payload));
}

void session_core::send_ack(const ack_token& ack, std::string_view payload) {
  if (ack.socketio)
    send_raw(protocol::frame_sio_ack(*ack.socketio, payload));
  else if (ack.json)
    send_raw(protocol::frame_ws_ack(*ack.json, payload));
}

void session_core::send_raw(std::string bytes) {
  ++stats_.messages_out;
  write(make_out_frame(std::move(bytes)));
}

void session_core::release(topic_id topic) {
  flush(); // the reply and the snapshot go first
  if (auto conn = p_.conn.lock())
    conn->release(topic);
}

sink_ptr session_core::direct_sink() const {
  if (auto conn = p_.conn.lock())
    return conn->sink();
  return nullptr;
}

void session_core::write(out_frame frame) {
  outbox_.push_back(std::move(frame));
  if (!flush_queued_) {
    flush_queued_ = true;
    self_->send(self_, flush_atom::value);
  }
}

} // namespace qc::session_detail
