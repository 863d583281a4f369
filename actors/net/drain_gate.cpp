#include "actors/net/drain_gate.hpp"

#include <memory>
#include <optional>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace qc {

caf::behavior drain_gate(caf::event_based_actor* self, std::chrono::milliseconds lifetime) {
  struct state {
    std::optional<bool> outcome;            // the connection spoke first
    std::optional<caf::response_promise> waiter; // the session asked first
  };
  auto st = std::make_shared<state>();
  self->delayed_send(self, lifetime, gate_due_atom::value);
  return {
    [self, st](written_atom, bool written) {
      if (!st->waiter) {
        st->outcome = written;
        return;
      }
      st->waiter->deliver(written);
      self->quit();
    },
    [self, st](drain_wait_atom) {
      auto answer = self->make_response_promise();
      if (!st->outcome) {
        st->waiter = std::move(answer);
        return;
      }
      answer.deliver(*st->outcome);
      self->quit();
    },
    [self](gate_due_atom) { self->quit(); },
  };
}

} // namespace qc
