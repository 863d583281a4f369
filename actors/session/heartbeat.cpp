#include "actors/session/heartbeat.hpp"

#include <caf/event_based_actor.hpp>

#include "actors/common/ids.hpp"
#include "actors/messages.hpp"
#include "protocol/engineio.hpp"

namespace qc {

std::string engineio_heartbeat::open(bool expect_connect) {
  protocol::eio_handshake hs;
  hs.sid = random_id();
  hs.ping_interval_ms = static_cast<std::uint32_t>(cfg_.ping_interval.count());
  hs.ping_timeout_ms = static_cast<std::uint32_t>(cfg_.ping_timeout.count());
  hs.max_payload = cfg_.max_payload;
  self_->delayed_send(self_, cfg_.ping_interval, ping_tick_atom::value);
  if (expect_connect)
    self_->delayed_send(self_, cfg_.connect_timeout, connect_due_atom::value);
  return protocol::encode_eio_open(hs);
}

std::string engineio_heartbeat::ping() {
  ++pings_sent_;
  self_->delayed_send(self_, cfg_.ping_timeout, pong_due_atom::value, pings_sent_);
  self_->delayed_send(self_, cfg_.ping_interval, ping_tick_atom::value);
  return "2";
}

} // namespace qc
