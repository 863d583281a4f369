#pragma once
// Where a session is in its life. Each state has its own handler table
// (session_states.cpp): a message that cannot matter in a state has no handler there and
// is dropped. The transitions:
//
//   awaiting_connect --identity accepted--> opening --connect_response--> live
//   live --Socket.IO DISCONNECT--> departed --CONNECT--> opening
//   live --connection dropped, recoverable--> parked
//   parked --a returning client's handover--> handing_over --takeover answered--> (quits)
//   any state with a connection, parked (window passed) --> closing --answers in--> (quits)

#include <cstdint>

namespace qc::session_detail {

enum class session_state : std::uint8_t {
  /// The Engine.IO open is sent; no CONNECT accepted yet (a refused one stays here).
  /// A /ws session leaves it in start().
  awaiting_connect,
  /// The identity is decided: joining, restoring or recovering until connect_response.
  /// Its steps await, so hardly a message is handled in this state.
  opening,
  /// connect_response written: client events are served, packets are written.
  live,
  /// The client said goodbye (Socket.IO DISCONNECT) on a socket that stays open: what
  /// still arrives for the user goes to the offline queue; a new CONNECT reopens.
  departed,
  /// The connection dropped and the client may come back with the pid: the session
  /// stays in its rooms and streams and keeps what arrives, until the window passes.
  parked,
  /// A returning client's new session took over the rooms and streams; this one keeps
  /// what still arrives until every stream has moved, answers takeover, and quits.
  handing_over,
  /// Finished: the rooms and the directory have been told; waits for their answers,
  /// then quits. What still arrives for the user goes to the offline queue.
  closing,
};

} // namespace qc::session_detail
