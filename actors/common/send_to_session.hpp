#pragma once
// Sessions are dynamically typed (they take many kinds of messages: socket events,
// timers, deliveries, recovery), and CAF 0.17 forbids a typed actor to send() to a
// dynamically typed one, because it cannot check the reply. Messages to sessions get
// no reply; this sends them from a typed actor exactly as send() would (same sender,
// same execution context, no extra copy or allocation).

#include <utility>

#include <caf/actor.hpp>
#include <caf/send.hpp>

namespace qc {

template <class Self, class... Ts>
void send_to_session(Self* self, const caf::actor& session, Ts&&... xs) {
  caf::unsafe_send_as(self, session, std::forward<Ts>(xs)...);
}

} // namespace qc
