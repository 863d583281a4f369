// Inbound frames: the heartbeat and deadlines, Engine.IO (through engineio_dispatch.hpp),
// Socket.IO packets and their attachments, /ws JSON, and the inbound budget.

#include "actors/session/session_core.hpp"

#include "actors/common/close_reasons.hpp"
#include "actors/session/engineio_dispatch.hpp"
#include "protocol/engineio.hpp"
#include "protocol/ws_json.hpp"

namespace qc::session_detail {

// -- heartbeat (Engine.IO) ---------------------------------------------------------

void session_core::on_ping_tick() {
  send_raw(heartbeat_.ping());
}

void session_core::on_pong_due(std::uint64_t ping) {
  if (heartbeat_.overdue(ping))
    close(close_code::normal, "ping timeout", true); // a dead link, not a goodbye
}

// Only handled while awaiting CONNECT: an accepted identity met the deadline.
void session_core::on_connect_due() {
  close(close_code::normal, "connect timeout");
}

void session_core::on_incomplete_due(std::uint64_t packet) {
  if (pending_binary_ && packet == binary_packets_)
    close(close_code::policy_violation, std::string(incomplete_close_reason));
}

// -- inbound frames ----------------------------------------------------------------

void session_core::on_text(const std::string& text) {
  ++stats_.messages_in;
  stats_.last_activity_ms = now_ms();
  if (p_.transport == transport_kind::json)
    on_json_text(text);
  else
    dispatch_engineio_text(text, heartbeat_, *this);
}

void session_core::on_binary(std::string bytes) {
  ++stats_.messages_in;
  stats_.last_activity_ms = now_ms();
  if (p_.transport == transport_kind::json) {
    if (admit(bytes.size(), true, {}))
      send_error("error", error_code::invalid_message_format,
                 "binary frames are not supported on /ws", {});
    return;
  }
  if (!pending_binary_) {
    close(close_code::protocol_error, "unexpected binary frame");
    return;
  }
  // An attachment belongs to a packet that was admitted: it is taken in, and its
  // bytes are owed by the messages after it.
  budget_.charge(bytes.size());
  // Binary attachments are refused (PROTOCOL.md §1); swallow them so the
  // connection stays in step with the client.
  bool complete = pending_binary_->add(std::move(bytes));
  if (pending_binary_->too_big()) {
    close(close_code::too_big,
          "attachments larger than " + std::to_string(p_.cfg->limits.max_attachment_bytes)
            + " bytes");
    return;
  }
  if (complete)
    pending_binary_.reset();
}

// -- the Engine.IO layer (engineio_dispatch.hpp) ------------------------------------

void session_core::on_eio_pong(const std::string& frame) {
  budget_.charge(frame.size()); // the answer to our ping is never refused
}

void session_core::on_eio_ping(std::string_view data, const std::string& frame) {
  if (!admit(frame.size(), false, {}))
    return;
  // The pong echoes the data: never echo more than a probe's worth.
  if (data.size() > p_.cfg->engineio.max_ping_payload) {
    close(close_code::protocol_error,
          "Engine.IO ping data longer than "
            + std::to_string(p_.cfg->engineio.max_ping_payload) + " bytes");
    return;
  }
  send_raw("3" + std::string(data));
}

void session_core::on_eio_noop(const std::string& frame) {
  admit(frame.size(), false, {}); // costs like any message, says nothing
}

void session_core::on_eio_close() {
  resumable_ = false;
  close(close_code::normal, "client close");
}

void session_core::on_eio_violation(std::string reason) {
  close(close_code::protocol_error, std::move(reason));
}

// -- Socket.IO packets ---------------------------------------------------------------

void session_core::on_eio_message(std::string_view data, const std::string& frame) {
  if (pending_binary_) {
    close(close_code::protocol_error, "text frame while attachments were due");
    return;
  }
  // The header first (no JSON): what the budget needs to answer a refusal.
  const auto& lim = p_.cfg->limits.protocol;
  auto head = protocol::parse_sio_head(data, lim);
  if (!head) {
    close(close_code::protocol_error, head.error().message);
    return;
  }
  using protocol::sio_packet_type;
  if (head->type == sio_packet_type::connect && head->nsp == "/" && !first_connect_seen_) {
    first_connect_seen_ = true; // opening the session is not counted as traffic
    budget_.charge(frame.size());
  } else {
    ack_token ack;
    if (head->type == sio_packet_type::event || head->type == sio_packet_type::binary_event)
      ack.socketio = head->ack_id;
    // Before CONNECT there is no namespace to send an error event in.
    if (!admit(frame.size(), state_ == session_state::live, ack)) {
      if (head->attachments > 0) // they follow all the same: swallow them, in step
        await_attachments(protocol::sio_packet{head->type, std::string(head->nsp),
                                               head->ack_id, head->attachments});
      return;
    }
  }
  auto packet = protocol::parse_sio(data, lim); // the one parse of its JSON
  if (!packet) {
    // Like the official server: a malformed Socket.IO packet closes the transport.
    close(close_code::protocol_error, packet.error().message);
    return;
  }
  on_socketio_packet(*packet);
}

bool session_core::admit(std::size_t bytes, bool answer, const ack_token& ack) {
  switch (budget_.admit(bytes)) {
    case inbound_budget::verdict::accept:
      return true;
    case inbound_budget::verdict::refuse:
      if (answer)
        send_error("error", error_code::rate_limit_exceeded,
                   "more than " + std::to_string(p_.cfg->limits.events_per_second)
                     + " messages or "
                     + std::to_string(p_.cfg->limits.inbound_bytes_per_second)
                     + " bytes per second",
                   ack);
      else
        ++stats_.errors;
      return false;
    case inbound_budget::verdict::flooding:
      ++stats_.errors;
      close(close_code::policy_violation, std::string(flood_close_reason));
      return false;
  }
  return false;
}

void session_core::on_socketio_packet(protocol::sio_packet& packet) {
  using protocol::sio_packet_type;
  if (packet.type == sio_packet_type::connect) {
    on_namespace_connect(packet);
    return;
  }
  if (packet.nsp != "/" || state_ != session_state::live) {
    // As the official server: any packet but CONNECT for a namespace the client is
    // not in is an invalid state, and closes the connection.
    close(close_code::protocol_error, "packet for a namespace not connected");
    return;
  }
  switch (packet.type) {
    case sio_packet_type::disconnect:
      // A deliberate goodbye (socket.disconnect()): nothing to recover. Saved
      // subscriptions stay saved; only unsubscribe forgets them.
      resumable_ = false;
      say_goodbye();
      return;
    case sio_packet_type::event: {
      const rapidjson::Value& arr = *packet.doc; // parse_sio checked: ["name", ...]
      ack_token ack;
      ack.socketio = packet.ack_id;
      const rapidjson::Value* payload = arr.Size() > 1 ? &arr[1] : nullptr;
      on_event(std::string(arr[0].GetString(), arr[0].GetStringLength()), payload, ack);
      return;
    }
    case sio_packet_type::binary_event:
    case sio_packet_type::binary_ack:
      expect_attachments(std::move(packet));
      return;
    case sio_packet_type::ack:
      return; // the broker never asks clients for acks
    default:
      close(close_code::protocol_error, "unexpected Socket.IO packet");
      return;
  }
}

void session_core::on_namespace_connect(const protocol::sio_packet& packet) {
  using protocol::sio_packet_type;
  if (packet.nsp != "/") {
    protocol::sio_packet refuse{sio_packet_type::connect_error, packet.nsp, std::nullopt,
                                0, R"({"message":"Invalid namespace"})"};
    send_raw(protocol::encode_eio_message(protocol::encode_sio(refuse)));
    return;
  }
  if (state_ == session_state::live) {
    close(close_code::protocol_error, "second CONNECT to a connected namespace");
    return;
  }
  if (state_ == session_state::opening) {
    close(close_code::protocol_error, "second CONNECT while the first is answered");
    return;
  }
  // Refused: 44 with the code; the Engine.IO connection stays open, as with the
  // official server, so the client may CONNECT again with another token.
  if (auto refused = decide_identity(packet.doc ? &*packet.doc : nullptr)) {
    send_raw(protocol::frame_sio_connect_error(refused->message,
                                               protocol::to_string(refused->code)));
    return;
  }
  open_session(protocol::parse_recovery_auth(packet.doc ? &*packet.doc : nullptr));
}

void session_core::expect_attachments(protocol::sio_packet packet) {
  ack_token ack;
  ack.socketio = packet.ack_id;
  await_attachments(std::move(packet));
  send_error("error", error_code::invalid_message_format,
             "binary attachments are not supported", ack);
}

void session_core::await_attachments(protocol::sio_packet header) {
  if (header.attachments == 0)
    return;
  // Until they are in, the next frames must be them: they have a deadline and a cap.
  pending_binary_ = std::make_unique<protocol::binary_assembler>(std::move(header), p_.cfg->limits.max_attachment_bytes);
  self_->delayed_send(self_, p_.cfg->limits.incomplete_message_timeout,
                      incomplete_due_atom::value, ++binary_packets_);
}

void session_core::on_json_text(const std::string& text) {
  if (!admit(text.size(), true, {})) // its id is in the JSON not parsed: no ack
    return;
  auto msg = protocol::parse_ws_message(text, p_.cfg->limits.protocol);
  if (!msg) {
    // /ws keeps the connection open on malformed input (PROTOCOL.md §6).
    send_error("error", msg.error().code, msg.error().message, {});
    return;
  }
  ack_token ack;
  ack.json = msg->id_json;
  const rapidjson::Value* payload = msg->payload.IsNull() ? nullptr : &msg->payload;
  on_event(msg->event, payload, ack);
}

} // namespace qc::session_detail
