#pragma once
// A one-shot rendezvous between a connection's write completion and a session that
// waits for it. A session writing a backlog (offline messages, a recovery replay,
// snapshots) writes one page, asks the connection to tell this gate once the page is
// on the socket, and awaits the gate's answer: CAF's await keeps every other message
// of the session (live packets, client events) waiting in order, so the backlog goes
// out whole, in order, at the pace the client reads, and before anything live.
//
// Messages:
//   (written_atom, bool written)  from the connection: written, or abandoned (closed)
//   (drain_wait_atom)             -> bool, once the first has arrived; then it quits
//   (gate_due_atom)               `lifetime` passed: quits (nobody waits any more)

#include <chrono>

#include <caf/fwd.hpp>

namespace qc {

/// `lifetime`: the waiter's own deadline or later. (A spawn argument also keeps CAF
/// 0.17 from dereferencing an empty argument tuple at start, which UBSan aborts on.)
caf::behavior drain_gate(caf::event_based_actor* self, std::chrono::milliseconds lifetime);

} // namespace qc
