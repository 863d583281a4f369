#pragma once
// What every server binary's main does: read the configuration (--help prints the
// options), start, announce "quotecast listening on HOST:PORT" on stdout (tests and
// scripts wait for that line), serve until SIGINT or SIGTERM, stop in order. SIGHUP is
// not a stop: it asks the server to reload what it can (the broker: access rules).

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/broker_config.hpp"

namespace qc {

/// `Server` has `std::uint16_t start()`, `void shutdown()` and `void reload()`, and is
/// constructed from (caf::actor_system&, std::shared_ptr<const settings>).
template <class Server>
int run_server(int argc, char** argv, broker_config& cfg) {
  // Block the signals before any thread exists, so every thread inherits the mask and
  // only sigwait below sees them.
  sigset_t handled_signals;
  sigemptyset(&handled_signals);
  sigaddset(&handled_signals, SIGINT);
  sigaddset(&handled_signals, SIGTERM);
  sigaddset(&handled_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);

  // CAF's --help lists only the global options; ours should list every one.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (auto& a : args)
    if (a == "--help" || a == "-h" || a == "-?")
      a = "--long-help";
  if (auto err = cfg.parse(std::move(args))) {
    std::cerr << "error: " << to_string(err) << "\n";
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  std::shared_ptr<const settings> s;
  try {
    s = cfg.to_settings();
  } catch (const std::invalid_argument& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  caf::actor_system system{cfg};
  Server server{system, s};
  std::uint16_t port = 0;
  try {
    port = server.start();
  } catch (const std::runtime_error& e) {
    std::cerr << "error: " << e.what() << "\n";
    server.shutdown();
    return 1;
  }
  std::cout << "quotecast listening on " << s->host << ":" << port << std::endl;
  int signal = 0;
  for (;;) {
    sigwait(&handled_signals, &signal);
    if (signal != SIGHUP)
      break;
    server.reload(); // it logs what it did; serving goes on either way
  }
  std::cerr << "quotecast: signal " << signal << ", shutting down\n";
  server.shutdown();
  std::cerr << "quotecast: stopped\n";
  return 0;
}

} // namespace qc
