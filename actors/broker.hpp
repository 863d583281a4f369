#pragma once
// The broker: the directory and stats actors, and the gateway whose WebSockets become
// session actors. `start` brings it up, `shutdown` takes it down in order: stop
// accepting, close every session with 1001 going away, let the actors finish, then
// stop the Asio threads.

#include <cstdint>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/settings.hpp"

namespace qc {

class broker {
public:
  broker(caf::actor_system& system, std::shared_ptr<const settings> cfg);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  /// Spawns the actors, binds the port and starts serving; returns the bound port.
  std::uint16_t start();

  /// Orderly shutdown; blocks until done. Safe to call more than once.
  void shutdown();

  /// SIGHUP: reads the RBAC policy and the JWT key files again and swaps them in for every
  /// session and HTTP request; connections stay. A load that fails keeps the rules in
  /// force and logs why.
  void reload();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace qc
