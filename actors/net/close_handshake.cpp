#include "actors/net/close_handshake.hpp"

#include <utility>

#include "protocol/websocket_frames.hpp"

namespace qc {

bool close_handshake::begin(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_)
    return false;
  closing_ = true;
  // A peer's close without a code is echoed without one.
  payload_ = code == protocol::ws_close::no_status ? std::string()
                                                   : protocol::close_payload(code, reason);
  return true;
}

bool close_handshake::finish() {
  return !std::exchange(finished_, true);
}

} // namespace qc
