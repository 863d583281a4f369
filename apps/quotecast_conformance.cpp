// quotecast-conformance: the server configuration that the official Socket.IO and
// Engine.IO protocol test suites assume (pingInterval 300, pingTimeout 200,
// connectTimeout 1000, namespaces "/" and "/custom", echo endpoint /engine.io/), built
// on the broker's own gateway and codecs.

#include <iostream>

#include <caf/all.hpp>

#include "actors/net/gateway.hpp"
#include "apps/conformance/conformance_session.hpp"
#include "apps/run_server.hpp"

namespace {

class conformance_server {
public:
  conformance_server(caf::actor_system& system, std::shared_ptr<const qc::settings> cfg)
    : system_(system), cfg_(std::move(cfg)) {
  }

  std::uint16_t start() {
    qc::gateway_hooks hooks;
    hooks.engineio_paths = {"/socket.io/", "/engine.io/"};
    hooks.open_session = [this](std::weak_ptr<qc::connection> conn,
                                const qc::upgrade_request& req) {
      return system_.spawn(qc::conformance_session, cfg_, std::move(conn), req);
    };
    hooks.handle_http = [](const qc::http_request_info&, qc::http_responder respond) {
      respond(qc::http_response{404, "application/json", R"({"error":"not found"})"});
    };
    gateway_ = std::make_unique<qc::gateway>(cfg_, std::move(hooks));
    auto port = gateway_->listen();
    gateway_->run(cfg_->io_threads);
    return port;
  }

  /// SIGHUP: the conformance server has no policy or keys; it says so and serves on.
  void reload() {
    std::cerr << "quotecast-conformance: SIGHUP: nothing to reload\n";
  }

  void shutdown() {
    if (!gateway_)
      return;
    gateway_->stop_accepting();
    gateway_->close_all(qc::close_code::going_away, "server shutting down");
    system_.await_all_actors_done();
    gateway_->stop(std::chrono::milliseconds(2000));
    gateway_.reset();
  }

private:
  caf::actor_system& system_;
  std::shared_ptr<const qc::settings> cfg_;
  std::unique_ptr<qc::gateway> gateway_;
};

} // namespace

int main(int argc, char** argv) {
  qc::broker_config cfg;
  // The suites' expectations; each can still be overridden on the command line.
  cfg.set("global.port", 3000);
  cfg.set("engineio.ping-interval", 300);
  cfg.set("engineio.ping-timeout", 200);
  cfg.set("engineio.connect-timeout", 1000);
  cfg.config_file_path = ""; // the demo INI must not change the suites' settings
  return qc::run_server<conformance_server>(argc, argv, cfg);
}
