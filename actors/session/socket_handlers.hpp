#pragma once
// The handlers every session kind (the broker's session, the conformance server's) has
// for its socket: inbound frames, each acknowledged to the connection's read credit once
// handled, and the Engine.IO heartbeat's timers. One copy, so both kinds read and pace
// their sockets alike.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <caf/message_handler.hpp>

#include "actors/messages.hpp"

namespace qc {

/// `Core` provides on_text, on_binary, consumed, on_ping_tick and on_pong_due.
template <class Core>
caf::message_handler socket_handlers(std::shared_ptr<Core> core) {
  return {
    [core](ws_text_atom, const std::string& text) {
      core->on_text(text);
      core->consumed();
    },
    [core](ws_binary_atom, std::string& bytes) {
      core->on_binary(std::move(bytes));
      core->consumed();
    },
    [core](ping_tick_atom) { core->on_ping_tick(); },
    [core](pong_due_atom, std::uint64_t ping) { core->on_pong_due(ping); },
  };
}

} // namespace qc
