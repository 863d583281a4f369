#pragma once
// Checks of WebSocket upgrade headers that the gateway applies before it answers a
// handshake (RFC 6455 §4.2.1, §10.2). Pure string code: no Beast, no I/O.

#include <string>
#include <string_view>
#include <vector>

namespace qc::protocol {

/// True when `key` is the base64 encoding of exactly 16 bytes: 22 characters of the
/// base64 alphabet followed by "==" (RFC 6455 §4.1 makes the client send just that).
bool valid_websocket_key(std::string_view key);

/// True when a browser page from `origin` may open a WebSocket. An empty `origin`
/// (no Origin header: a non-browser client) is always allowed; otherwise the origin
/// must equal one entry of `allowed` (compared ignoring ASCII case, as scheme and host
/// are case-insensitive), or `allowed` contains "*".
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

} // namespace qc::protocol
