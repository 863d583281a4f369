#pragma once
// The 101 reply that completes a WebSocket upgrade (RFC 6455 §4.2.2), as the bytes
// written before the connection speaks WebSocket. Beast stays in the .cpp.

#include <string>
#include <string_view>

namespace qc {

/// The reply to an (already validated) upgrade request with this Sec-WebSocket-Key.
std::string ws_upgrade_reply(std::string_view sec_websocket_key);

} // namespace qc
