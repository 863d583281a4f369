#include "actors/broker_config.hpp"

#include <stdexcept>

#include <caf/atom.hpp>

namespace qc {

broker_config::broker_config() {
  // CAF's default is 4 work-stealing workers that poll even on 2 cores; a sharing
  // scheduler with 2 threads answered faster and idles at ~1.5 % CPU (STACK.md).
  set("scheduler.max-threads", 2);
  set("scheduler.policy", caf::atom("sharing"));
  config_file_path = "conf/quotecast.ini";

  auto& lim = defaults.limits;
  opt_group{custom_options_, "global"}
    .add(host, "host", "address to listen on (127.0.0.1: this machine only)")
    .add(port, "port", "TCP port for HTTP and WebSocket (0: pick a free one)")
    .add(data_dir, "data-dir", "directory for the database and other state")
    .add(node_name, "node-name", "this node's name in /health and /stats")
    .add(io_threads, "io-threads", "Asio threads serving sockets");
  opt_group{custom_options_, "engineio"}
    .add(ping_interval_ms, "ping-interval", "ms between server pings")
    .add(ping_timeout_ms, "ping-timeout", "ms to wait for a pong before closing")
    .add(connect_timeout_ms, "connect-timeout", "ms to wait for the Socket.IO CONNECT")
    .add(max_payload, "max-payload", "largest WebSocket message in bytes (else close 1009)");
  opt_group{custom_options_, "auth"}
    .add(auth_mode_name, "mode", "none or header (jwt and optional come with auth)")
    .add(default_roles, "default-roles", "roles of every connection in modes none/header");
  opt_group{custom_options_, "limits"}
    .add(lim.max_connections, "max-connections", "open WebSockets (more get HTTP 503)")
    .add(lim.max_rooms, "max-rooms", "rooms in the whole broker")
    .add(lim.max_rooms_per_connection, "max-rooms-per-connection", "rooms one connection may join")
    .add(lim.events_per_second, "events-per-second", "client events per second per connection")
    .add(lim.max_outbound_bytes, "max-outbound-bytes", "queued bytes per connection before it is closed as a slow consumer")
    .add(lim.max_listed_connections, "max-listed-connections", "per-connection rows in /stats")
    .add(lim.protocol.max_json_depth, "max-json-depth", "nesting depth of inbound JSON")
    .add(lim.protocol.max_fields, "max-fields", "fields per stream filter")
    .add(lim.protocol.max_ticks_per_publish, "max-ticks-per-publish", "ticks in one publish")
    .add(lim.protocol.max_content_bytes, "max-content-bytes", "bytes of one room message's content");
}

std::shared_ptr<const settings> broker_config::to_settings() const {
  auto s = std::make_shared<settings>(defaults);
  s->host = host;
  s->port = port;
  s->data_dir = data_dir;
  s->node_name = node_name;
  s->io_threads = io_threads;
  if (auth_mode_name == "none")
    s->auth = auth_mode::none;
  else if (auth_mode_name == "header")
    s->auth = auth_mode::header;
  else
    throw std::invalid_argument("auth.mode must be none or header, not '" + auth_mode_name
                                + "'");
  s->default_roles = default_roles;
  if (ping_interval_ms == 0 || ping_timeout_ms == 0 || connect_timeout_ms == 0)
    throw std::invalid_argument("engineio intervals and timeouts must be positive");
  if (max_payload < 1024)
    throw std::invalid_argument("engineio.max-payload must be at least 1024 bytes");
  if (s->limits.events_per_second == 0)
    throw std::invalid_argument("limits.events-per-second must be positive");
  s->engineio.ping_interval = std::chrono::milliseconds(ping_interval_ms);
  s->engineio.ping_timeout = std::chrono::milliseconds(ping_timeout_ms);
  s->engineio.connect_timeout = std::chrono::milliseconds(connect_timeout_ms);
  s->engineio.max_payload = max_payload;
  return s;
}

} // namespace qc
