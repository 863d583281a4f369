#pragma once
// Close reasons that are also counted in /stats (gateway section): the session and the
// connection both close for them, and the connection counts every close it is asked for.

#include <string_view>

namespace qc {

/// Inbound input over its budget in every one of limits.over-budget-seconds (1008).
inline constexpr std::string_view flood_close_reason = "rate limit exceeded";

/// A message begun and not finished within limits.incomplete-message-timeout: WebSocket
/// fragments, or a Socket.IO packet's attachments (1008).
inline constexpr std::string_view incomplete_close_reason = "incomplete message timeout";

} // namespace qc
