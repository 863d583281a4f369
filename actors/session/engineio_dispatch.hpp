#pragma once
// The Engine.IO layer of an inbound text frame, shared by the broker's session and the
// conformance server (apps/conformance): parse the packet, let the heartbeat see the
// pong, and hand the rest to the session by kind. A session that has no on_eio_ping or
// on_eio_noop treats those packets as unexpected, as the conformance server does.
//
// A session provides:
//   on_eio_message(data, frame)  a message packet (data: after the type character)
//   on_eio_close()               the client closes the transport
//   on_eio_violation(reason)     anything else: close with protocol_error
// and may provide:
//   on_eio_pong(frame)           after the heartbeat has seen the pong
//   on_eio_ping(data, frame)     a ping from the client (not sent by v4 clients)
//   on_eio_noop(frame)
// (frame: the whole text frame, for its size or an echo).

#include <string>
#include <string_view>

#include "actors/session/heartbeat.hpp"
#include "protocol/engineio.hpp"

namespace qc {

template <class Session>
void dispatch_engineio_text(const std::string& text, engineio_heartbeat& heartbeat,
                            Session& session) {
  using protocol::eio_packet_type;
  auto eio = protocol::parse_eio_text(text);
  if (!eio) {
    session.on_eio_violation("invalid Engine.IO packet");
    return;
  }
  switch (eio->type) {
    case eio_packet_type::message:
      session.on_eio_message(eio->data, text);
      return;
    case eio_packet_type::pong:
      heartbeat.pong();
      if constexpr (requires { session.on_eio_pong(text); })
        session.on_eio_pong(text);
      return;
    case eio_packet_type::close:
      session.on_eio_close();
      return;
    case eio_packet_type::ping:
      if constexpr (requires { session.on_eio_ping(eio->data, text); }) {
        session.on_eio_ping(eio->data, text);
        return;
      }
      break;
    case eio_packet_type::noop:
      if constexpr (requires { session.on_eio_noop(text); }) {
        session.on_eio_noop(text);
        return;
      }
      break;
    default:
      break;
  }
  session.on_eio_violation("unexpected Engine.IO packet");
}

} // namespace qc
