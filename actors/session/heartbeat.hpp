#pragma once
// The server side of an Engine.IO connection's life, shared by every session kind: the
// open packet, a ping every pingInterval, the pong deadline, and the deadline for the
// first Socket.IO CONNECT. The session feeds it its timer messages and pongs; it
// answers what to send and whether the connection is overdue.

#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

#include "actors/settings.hpp"

namespace qc {

class engineio_heartbeat {
public:
  engineio_heartbeat(caf::event_based_actor* self, const engineio_settings& cfg)
    : self_(self), cfg_(cfg) {
  }

  /// The open packet to send first; schedules the first ping and, when
  /// `expect_connect`, the CONNECT deadline (connect_due_atom).
  std::string open(bool expect_connect);

  /// On ping_tick_atom: schedules the pong deadline and the next tick; returns the
  /// ping packet to send.
  std::string ping();

  /// A pong arrived: it answers every ping sent so far.
  void pong() {
    pongs_seen_ = pings_sent_;
  }

  /// On (pong_due_atom, ping): true when that ping went unanswered.
  bool overdue(std::uint64_t ping) const {
    return pongs_seen_ < ping;
  }

private:
  caf::event_based_actor* self_;
  engineio_settings cfg_;
  std::uint64_t pings_sent_ = 0;
  std::uint64_t pongs_seen_ = 0;
};

} // namespace qc
