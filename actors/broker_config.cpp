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
    .add(max_payload, "max-payload", "largest WebSocket message in bytes (else close 1009)")
    .add(defaults.engineio.max_ping_payload, "max-ping-payload", "bytes of data in a client's Engine.IO ping, echoed in the pong (more: close 1002)");
  auto& http = defaults.http;
  opt_group{custom_options_, "http"}
    .add(http_header_timeout_ms, "header-timeout", "ms for a request's line and headers to arrive (else 408 and close)")
    .add(http.max_header_bytes, "max-header-bytes", "bytes of a request line and headers (else 431, or 414 for the line alone, and close)")
    .add(http.max_body_bytes, "max-body-bytes", "bytes of a request body (else 413 and close)")
    .add(http.allowed_origins, "allowed-origins", "Origins (scheme://host:port) whose pages may open a WebSocket; others get 403; requests without Origin are allowed; \"*\" allows any")
    .add(http_refusal_timeout_ms, "refusal-timeout", "ms a connection refused at accept (503) gets to send its request and read the answer")
    .add(metrics_access_name, "metrics-access", "who may GET /metrics: loopback (peers on this machine), open (anyone) or token (an admin token)");
  auto& auth = defaults.auth;
  opt_group{custom_options_, "auth"}
    .add(auth_mode_name, "mode", "jwt (a token is required), optional (a token or a guest), header (X-User-Id, behind a trusted proxy only) or none (everyone a guest)")
    .add(auth.default_roles, "default-roles", "roles of every connection in modes none/header")
    .add(auth.guest_roles, "guest-roles", "roles of a connection without a token in mode optional")
    .add(auth.jwt_secret_file, "jwt-secret-file", "file holding the HS256/384/512 secret (at least 32 bytes)")
    .add(auth.jwt_public_key_file, "jwt-public-key-file", "PEM file of the RS256/ES256 public key (instead of a secret)")
    .add(auth.jwt_issuer, "jwt-issuer", "when set, tokens must carry this iss")
    .add(auth.jwt_audience, "jwt-audience", "when set, tokens must carry this aud")
    .add(jwt_leeway_s, "jwt-leeway", "seconds of clock skew allowed on exp and nbf")
    .add(auth.max_token_bytes, "max-token-bytes", "longest token accepted (longer: AUTH_FAILED)")
    .add(auth.rbac_model_file, "rbac-model-file", "Casbin model file (empty: the built-in conf/rbac_model.conf)")
    .add(auth.rbac_policy_file, "rbac-policy-file", "Casbin policy CSV (empty: the built-in conf/rbac_policy.csv); reloaded on SIGHUP")
    .add(auth.decision_cache_entries, "decision-cache-entries", "authorization decisions kept, per policy load");
  auto& feed = defaults.feed;
  opt_group{custom_options_, "feed"}
    .add(feed.simulated, "simulated", "run the simulated feed (a random walk over symbols-file)")
    .add(feed.rate, "rate", "simulated ticks per second, all symbols together")
    .add(feed.symbols_file, "symbols-file", "simulated symbols: 'SYMBOL START_PRICE' per line")
    .add(feed.seed, "seed", "random seed of the simulated feed (0: random)")
    .add(feed.replay_file, "replay-file", "CSV of ticks to replay (header row with 'symbol')")
    .add(feed.replay_speed, "replay-speed", "replay pace: 1 as recorded, 10 ten times faster, 0 flat out")
    .add(feed.replay_loop, "replay-loop", "start the replay over at the end of the file");
  opt_group{custom_options_, "stream"}
    .add(defaults.stream.buffer_size, "buffer-size", "ticks kept per symbol (ring buffer, get_market_data, snapshots)")
    .add(defaults.stream.buffer_bytes, "buffer-bytes", "bytes of ticks kept per symbol; past it the oldest ticks go (the newest always stays)")
    .add(defaults.stream.default_fields, "default-fields", "fields of a subscription that names none")
    .add(stream_idle_timeout_ms, "idle-timeout", "ms without subscribers or ticks before a stream goes away");
  auto& rec = defaults.recovery;
  opt_group{custom_options_, "recovery"}
    .add(recovery_window_ms, "window", "ms a dropped session waits for its client to recover it (0: recovery off)")
    .add(rec.inflight_packets, "inflight-packets", "room/stream packets a connected session keeps to replay what a drop lost in flight")
    .add(rec.parked_packets, "parked-packets", "packets a dropped session keeps for its client; past it the client gets a gap (fresh state, snapshots)")
    .add(rec.inflight_bytes, "inflight-bytes", "bytes of packets a connected session keeps for replay (oldest go first)")
    .add(rec.parked_bytes, "parked-bytes", "bytes of packets a dropped session keeps for its client; past it the oldest go and the client gets a gap")
    .add(rec.parked_total_bytes, "parked-total-bytes", "bytes all dropped sessions keep together; past it each keeps no more than it has (new packets push out its oldest: a gap)")
    .add(rec.max_parked, "max-parked", "dropped sessions waiting at once; past it a drop ends the session");
  auto& sto = defaults.storage;
  opt_group{custom_options_, "storage"}
    .add(sto.synchronous_full, "synchronous-full", "fsync every commit (survives power loss; WAL alone survives kill -9)")
    .add(storage_flush_ms, "flush-interval", "ms that writes gather into one transaction")
    .add(sto.offline_max_per_user, "offline-max-per-user", "offline messages kept per user (oldest dropped)")
    .add(sto.offline_max_total, "offline-max-total", "offline messages kept in all (past it new ones are refused and counted)")
    .add(sto.offline_max_bytes_per_user, "offline-max-bytes-per-user", "bytes of offline messages kept per user (past it the oldest of the sender holding most go)")
    .add(sto.offline_max_sender_bytes, "offline-max-sender-bytes", "bytes one sender may hold in one user's offline queue (past it that sender's oldest go)")
    .add(sto.offline_max_total_bytes, "offline-max-total-bytes", "bytes of offline messages kept in all (past it new ones are refused and counted)")
    .add(offline_ttl_s, "offline-ttl", "seconds an offline message is kept");
  opt_group{custom_options_, "stats"}
    .add(stats_cache_ms, "cache-ms", "ms one gathered /stats snapshot answers later requests (0: each request waits for a gather that starts after it; one gather runs at a time)")
    .add(defaults.stats.default_limit, "default-limit", "rows per /stats list when a request names no limit");
  opt_group{custom_options_, "limits"}
    .add(lim.max_connections, "max-connections", "open WebSockets (more get HTTP 503)")
    .add(lim.max_rooms, "max-rooms", "rooms in the whole broker")
    .add(lim.max_rooms_per_connection, "max-rooms-per-connection", "rooms one connection may join")
    .add(lim.max_room_role_grants, "max-room-role-grants", "room roles one room keeps from set_member_role (by user id; past it grants of users not in the room go first, then set_member_role is refused)")
    .add(lim.events_per_second, "events-per-second", "client messages per second per connection, counted before parsing (RATE_LIMIT_EXCEEDED past it)")
    .add(lim.inbound_bytes_per_second, "inbound-bytes-per-second", "bytes a connection may send per second, counted before parsing (RATE_LIMIT_EXCEEDED past it)")
    .add(lim.over_budget_seconds, "over-budget-seconds", "a connection refused for its rate in this many consecutive seconds is closed (1008)")
    .add(incomplete_message_timeout_ms, "incomplete-message-timeout", "ms a begun message (WebSocket fragments, Socket.IO attachments) may take to complete (else close 1008)")
    .add(lim.max_attachment_bytes, "max-attachment-bytes", "bytes of binary attachments one Socket.IO packet may announce and send (more: close 1009)")
    .add(lim.soft_outbound_bytes, "soft-outbound-bytes", "queued bytes per connection past which stream_data is conflated per symbol")
    .add(lim.max_outbound_bytes, "max-outbound-bytes", "queued bytes per connection before it is closed as a slow consumer")
    .add(close_timeout_ms, "close-timeout", "ms a closing connection gets to flush and finish the close handshake before it is cut")
    .add(lim.max_streams, "max-streams", "symbol streams in the whole broker")
    .add(lim.max_streams_per_connection, "max-streams-per-connection", "streams one connection may subscribe to")
    .add(lim.max_reply_bytes, "max-reply-bytes", "bytes of ticks in one get_market_data reply (past it: truncated, page with before_seq)")
    .add(lim.max_http_connections, "max-http-connections", "HTTP connections not upgraded to WebSocket, beside max-connections (more get HTTP 503)")
    .add(lim.max_connections_per_address, "max-connections-per-address", "HTTP and WebSocket connections from one peer address (more get HTTP 503; 0: no cap)")
    .add(lim.max_listed_connections, "max-listed-connections", "most rows per list (connections, users, rooms, streams) one /stats page may ask for (limit above it: 400)")
    .add(lim.backlog_page_bytes, "backlog-page-bytes", "bytes of offline messages, replay or snapshots written at connect before waiting for the socket to take them")
    .add(backlog_drain_timeout_ms, "backlog-drain-timeout", "ms a client gets to read one backlog page before it is closed as a slow consumer")
    .add(lim.protocol.max_json_depth, "max-json-depth", "nesting depth of inbound JSON")
    .add(lim.protocol.max_fields, "max-fields", "fields per stream filter")
    .add(lim.protocol.max_ticks_per_publish, "max-ticks-per-publish", "ticks in one publish")
    .add(lim.protocol.max_content_bytes, "max-content-bytes", "bytes of one room message's content")
    .add(lim.protocol.max_namespace_bytes, "max-namespace-bytes", "bytes of a Socket.IO namespace name (longer: close 1002, never echoed)")
    .add(lim.protocol.max_tick_fields, "max-tick-fields", "fields of one published tick, symbol included")
    .add(lim.protocol.max_tick_name_bytes, "max-tick-name-bytes", "bytes of one tick field's name")
    .add(lim.protocol.max_tick_value_bytes, "max-tick-value-bytes", "bytes of one tick field's value (its JSON text)")
    .add(lim.protocol.max_tick_bytes, "max-tick-bytes", "bytes of one whole tick (names, values, symbol)");
}

std::shared_ptr<const settings> broker_config::to_settings() const {
  auto s = std::make_shared<settings>(defaults);
  s->host = host;
  s->port = port;
  s->data_dir = data_dir;
  s->node_name = node_name;
  s->io_threads = io_threads;
  if (auth_mode_name == "none")
    s->auth.mode = auth_mode::none;
  else if (auth_mode_name == "header")
    s->auth.mode = auth_mode::header;
  else if (auth_mode_name == "jwt")
    s->auth.mode = auth_mode::jwt;
  else if (auth_mode_name == "optional")
    s->auth.mode = auth_mode::optional;
  else
    throw std::invalid_argument("auth.mode must be jwt, optional, header or none, not '"
                                + auth_mode_name + "'");
  bool uses_tokens = s->auth.mode == auth_mode::jwt || s->auth.mode == auth_mode::optional;
  if (uses_tokens && s->auth.jwt_secret_file.empty() == s->auth.jwt_public_key_file.empty())
    throw std::invalid_argument("auth.mode " + auth_mode_name
                                + " needs exactly one of auth.jwt-secret-file and auth.jwt-public-key-file");
  if (s->auth.max_token_bytes < 64 || s->auth.max_token_bytes > 65536)
    throw std::invalid_argument("auth.max-token-bytes must be between 64 and 65536");
  s->limits.protocol.max_token_bytes = s->auth.max_token_bytes; // auth_refresh's parser bound
  if (s->auth.decision_cache_entries == 0)
    throw std::invalid_argument("auth.decision-cache-entries must be positive");
  s->auth.jwt_leeway_s = static_cast<std::int64_t>(jwt_leeway_s);
  if (metrics_access_name == "loopback")
    s->http.metrics = metrics_access::loopback;
  else if (metrics_access_name == "open")
    s->http.metrics = metrics_access::open;
  else if (metrics_access_name == "token")
    s->http.metrics = metrics_access::token;
  else
    throw std::invalid_argument("http.metrics-access must be loopback, open or token, not '"
                                + metrics_access_name + "'");
  if (ping_interval_ms == 0 || ping_timeout_ms == 0 || connect_timeout_ms == 0)
    throw std::invalid_argument("engineio intervals and timeouts must be positive");
  if (max_payload < 1024)
    throw std::invalid_argument("engineio.max-payload must be at least 1024 bytes");
  if (s->limits.events_per_second == 0 || s->limits.inbound_bytes_per_second == 0
      || s->limits.over_budget_seconds == 0)
    throw std::invalid_argument(
      "limits.events-per-second, inbound-bytes-per-second and over-budget-seconds must be positive");
  if (incomplete_message_timeout_ms == 0 || s->limits.max_attachment_bytes == 0)
    throw std::invalid_argument(
      "limits.incomplete-message-timeout and max-attachment-bytes must be positive");
  if (s->engineio.max_ping_payload > max_payload || s->limits.protocol.max_namespace_bytes == 0)
    throw std::invalid_argument(
      "engineio.max-ping-payload must not exceed max-payload; limits.max-namespace-bytes must be positive");
  s->limits.incomplete_message_timeout = std::chrono::milliseconds(incomplete_message_timeout_ms);
  s->engineio.ping_interval = std::chrono::milliseconds(ping_interval_ms);
  s->engineio.ping_timeout = std::chrono::milliseconds(ping_timeout_ms);
  s->engineio.connect_timeout = std::chrono::milliseconds(connect_timeout_ms);
  s->engineio.max_payload = max_payload;
  if (s->stream.buffer_size == 0 || stream_idle_timeout_ms == 0)
    throw std::invalid_argument("stream.buffer-size and stream.idle-timeout must be positive");
  if (s->limits.soft_outbound_bytes > s->limits.max_outbound_bytes)
    throw std::invalid_argument("limits.soft-outbound-bytes must not exceed limits.max-outbound-bytes");
  s->stream.idle_timeout = std::chrono::milliseconds(stream_idle_timeout_ms);
  s->limits.close_timeout = std::chrono::milliseconds(close_timeout_ms);
  if (s->limits.backlog_page_bytes == 0 || s->limits.backlog_page_bytes > s->limits.max_outbound_bytes
      || backlog_drain_timeout_ms == 0)
    throw std::invalid_argument("limits.backlog-page-bytes must be positive and at most "
                                "limits.max-outbound-bytes; limits.backlog-drain-timeout positive");
  s->limits.backlog_drain_timeout = std::chrono::milliseconds(backlog_drain_timeout_ms);
  s->recovery.window = std::chrono::milliseconds(recovery_window_ms);
  if (s->recovery.inflight_packets == 0 || s->recovery.parked_packets < s->recovery.inflight_packets)
    throw std::invalid_argument(
      "recovery.inflight-packets must be positive and recovery.parked-packets at least as large");
  if (s->recovery.inflight_bytes == 0 || s->recovery.parked_bytes < s->recovery.inflight_bytes
      || s->recovery.parked_total_bytes < s->recovery.parked_bytes)
    throw std::invalid_argument("recovery.inflight-bytes must be positive, recovery.parked-bytes at "
                                "least as large, recovery.parked-total-bytes at least parked-bytes");
  if (s->storage.offline_max_per_user == 0 || s->storage.offline_max_total == 0 || offline_ttl_s == 0)
    throw std::invalid_argument("storage.offline-max-per-user, offline-max-total and offline-ttl must be positive");
  if (s->storage.offline_max_bytes_per_user == 0 || s->storage.offline_max_sender_bytes == 0
      || s->storage.offline_max_total_bytes == 0)
    throw std::invalid_argument(
      "storage.offline-max-bytes-per-user, offline-max-sender-bytes and offline-max-total-bytes must be positive");
  s->storage.offline_ttl = std::chrono::seconds(offline_ttl_s);
  s->storage.flush_interval = std::chrono::milliseconds(storage_flush_ms);
  const auto& p = s->limits.protocol;
  if (p.max_tick_fields < 2 || p.max_tick_name_bytes < 6 || p.max_tick_value_bytes < 16)
    throw std::invalid_argument("limits.max-tick-fields must be at least 2, max-tick-name-bytes at least "
                                "6 and max-tick-value-bytes at least 16 (a symbol and a price must fit)");
  if (p.max_tick_bytes < 64)
    throw std::invalid_argument("limits.max-tick-bytes must be at least 64");
  if (s->stream.buffer_bytes == 0)
    throw std::invalid_argument("stream.buffer-bytes must be positive");
  if (s->limits.max_reply_bytes < 1024)
    throw std::invalid_argument("limits.max-reply-bytes must be at least 1024");
  s->feed.tick_limits = p;
  if (http_header_timeout_ms == 0 || http_refusal_timeout_ms == 0)
    throw std::invalid_argument("http.header-timeout and http.refusal-timeout must be positive");
  // Below these a browser's ordinary request line and cookies would not fit.
  if (s->http.max_header_bytes < 1024 || s->http.max_body_bytes < 1024)
    throw std::invalid_argument("http.max-header-bytes and http.max-body-bytes must be at least 1024");
  if (s->limits.max_http_connections == 0)
    throw std::invalid_argument("limits.max-http-connections must be positive");
  for (const auto& origin : s->http.allowed_origins)
    if (origin.empty() || (origin != "*" && origin.find("://") == std::string::npos))
      throw std::invalid_argument("http.allowed-origins: '" + origin
                                  + "' is not an origin (scheme://host[:port]) or \"*\"");
  s->http.header_timeout = std::chrono::milliseconds(http_header_timeout_ms);
  s->http.refusal_timeout = std::chrono::milliseconds(http_refusal_timeout_ms);
  // stats.default-limit above the maximum is cut to it (protocol::resolve_stats_page).
  if (s->limits.max_listed_connections == 0)
    throw std::invalid_argument("limits.max-listed-connections must be positive");
  // A day: longer would be a stale document, not a cache.
  if (stats_cache_ms > 86400000)
    throw std::invalid_argument("stats.cache-ms must be at most 86400000 (a day)");
  s->stats.cache = std::chrono::milliseconds(stats_cache_ms);
  validate(s->feed);
  return s;
}

} // namespace qc
