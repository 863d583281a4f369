#include "actors/broker.hpp"

#include <algorithm>
#include <atomic>

#include <caf/all.hpp>

#include "actors/access_rules.hpp"
#include "actors/http_access.hpp"
#include "actors/common/clock.hpp"
#include "actors/common/log.hpp"
#include "actors/rooms/directory.hpp"
#include "actors/durability/persistence.hpp"
#include "actors/durability/parked_sessions.hpp"
#include "actors/feeds/feed_replay.hpp"
#include "actors/feeds/feed_simulated.hpp"
#include "actors/net/gateway.hpp"
#include "actors/market/market.hpp"
#include "actors/messages.hpp"
#include "actors/session/session.hpp"
#include "actors/stats/stats.hpp"
#include "protocol/engineio.hpp"
#include "protocol/client_events.hpp"
#include "protocol/json.hpp"
#include "protocol/prometheus_text.hpp"
#include "protocol/request_data.hpp"
#include "protocol/server_events.hpp"
#include "protocol/stats_page.hpp"

namespace qc {

namespace {

http_response json_ok(std::string body) {
  return http_response{200, "application/json", std::move(body)};
}

/// A 401 or 403 as JSON with its error_code; a 401 says how to authenticate.
http_response refusal_response(const http_refusal& r) {
  http_response res{r.status, "application/json", protocol::encode_error(r.code, r.message)};
  if (r.status == 401)
    res.www_authenticate = r.code == protocol::error_code::auth_required
                             ? R"(Bearer realm="quotecast")"
                             : R"(Bearer realm="quotecast", error="invalid_token")";
  return res;
}

std::int64_t now_s() {
  return now_ms() / 1000;
}

/// Publishes one POST /publish batch and answers the request. Its inputs are spawn
/// arguments, not lambda captures: CAF 0.17 dereferences a null argument tuple when
/// it spawns a function actor that takes no arguments (UBSan catches it).
void http_publisher(caf::event_based_actor* self, market_actor market, tick_batch batch,
                    http_responder respond) {
  self->request(market, std::chrono::seconds(10), publish_atom::value, std::move(batch))
    .then(
      [self, respond](const publish_result& r) {
        respond(json_ok(protocol::encode_publish_ack(r.accepted, r.duplicates)));
        self->quit();
      },
      [self, respond](const caf::error&) {
        respond(http_response{503, "application/json",
                              protocol::encode_error(protocol::error_code::service_unavailable,
                                                     "market service unavailable")});
        self->quit();
      });
}

} // namespace

struct broker::impl {
  caf::actor_system& system;
  std::shared_ptr<const settings> cfg;
  directory_actor directory;
  market_actor market;
  stats_actor stats;
  persistence_actor persistence;
  parked_sessions_actor parked_sessions;
  std::shared_ptr<byte_budget> parked_budget;
  std::shared_ptr<access_control> access; // the JWT verifier and RBAC; swapped on reload
  std::vector<caf::actor> feeds;
  std::unique_ptr<gateway> gw;
  std::int64_t started_ms = now_ms();
  std::atomic<bool> draining{false};
  bool stopped = false;
  std::atomic<std::uint64_t> reloads{0};         // SIGHUP reloads that took effect
  std::atomic<std::uint64_t> reload_failures{0}; // ... and that kept the old rules

  impl(caf::actor_system& sys, std::shared_ptr<const settings> c)
    : system(sys), cfg(std::move(c)) {
  }

  caf::actor open_session(std::weak_ptr<connection> conn, const upgrade_request& req) {
    session_params p;
    p.cfg = cfg;
    p.conn = std::move(conn);
    p.transport = req.path == "/ws" ? transport_kind::json : transport_kind::socketio;
    p.upgrade = req;
    p.directory = directory;
    p.stats = stats;
    p.market = market;
    p.persistence = persistence;
    p.parked_sessions = parked_sessions;
    p.parked_budget = parked_budget;
    p.access = access;
    return system.spawn(session_actor, std::move(p));
  }

  /// POST /publish: one tick or an array of ticks (PROTOCOL.md §5), for a caller the
  /// policy lets `publish` on every tick's stream:<symbol>; answers
  /// {"ok":true,"accepted":N,"duplicates":M}. Who it is comes first (401), then the body
  /// (400), then the permission per symbol (403: nothing of the batch is published).
  void publish_over_http(const http_request_info& req, http_responder respond) {
    auto error = [&](unsigned status, protocol::error_code code, const std::string& message) {
      respond(http_response{status, "application/json", protocol::encode_error(code, message)});
    };
    auto who = identify_http_caller(*access, cfg->auth, req.authorization, now_s());
    if (auto* refused = std::get_if<http_refusal>(&who)) {
      respond(refusal_response(*refused));
      return;
    }
    auto doc = protocol::parse_json(req.body, cfg->limits.protocol);
    if (!doc) {
      error(400, doc.error().code, doc.error().message);
      return;
    }
    auto ticks = protocol::parse_ticks(*doc, cfg->limits.protocol);
    if (!ticks) {
      error(400, ticks.error().code, ticks.error().message);
      return;
    }
    for (auto& t : ticks->ticks) {
      if (auto refused = check_permission(*access, std::get<http_caller>(who),
                                          "stream:" + t.symbol, "publish")) {
        respond(refusal_response(*refused));
        return;
      }
    }
    // A one-shot actor asks the market and answers; the Asio thread never waits.
    system.spawn(http_publisher, market, tick_batch(std::move(ticks->ticks)), std::move(respond));
  }

  /// GET /metrics: the gateway's counters, the uptime and the access rules' state, in
  /// Prometheus text.
  http_response metrics() const {
    auto c = gw->counters();
    std::uint64_t uptime = static_cast<std::uint64_t>((now_ms() - started_ms) / 1000);
    const protocol::metric_sample samples[] = {
      {"quotecast_uptime_seconds", "Seconds since the broker started.", false, uptime},
      {"quotecast_websocket_connections", "Open WebSocket connections.", false,
       gw->open_connections()},
      {"quotecast_http_connections", "Open HTTP connections not upgraded to WebSocket.", false,
       c.http_connections},
      {"quotecast_connections_accepted_total", "WebSocket connections accepted.", true, c.accepted},
      {"quotecast_connections_rejected_total", "WebSocket upgrades refused at the connection limit.",
       true, c.rejected},
      {"quotecast_slow_consumer_disconnects_total", "Connections closed as slow consumers.", true,
       c.slow_consumer_disconnects},
      {"quotecast_oversize_disconnects_total", "Connections closed for a frame over maxPayload.",
       true, c.oversize_disconnects},
      {"quotecast_flood_disconnects_total", "Connections closed over the inbound budget.", true,
       c.flood_disconnects},
      {"quotecast_conflated_total", "Queued stream_data frames replaced by a newer tick.", true,
       c.conflated},
      {"quotecast_http_refused_total", "HTTP connections answered 503 at accept.", true,
       c.http_refused + c.address_refused},
      {"quotecast_bad_requests_total", "HTTP requests answered 400/408/413/414/431.", true,
       c.bad_requests},
      {"quotecast_rbac_rules", "Rules of the authorization policy in force.", false,
       access->authorizer()->rule_count()},
      {"quotecast_access_reloads_total", "SIGHUP reloads of the access rules that took effect.",
       true, reloads.load()},
      {"quotecast_access_reload_failures_total",
       "SIGHUP reloads refused (the rules in force stayed).", true, reload_failures.load()},
    };
    return http_response{200, std::string(protocol::prometheus_content_type),
                         protocol::encode_prometheus(samples)};
  }

  void handle_http(const http_request_info& req, http_responder respond) {
    auto path = protocol::target_path(req.target);
    if (path == "/publish") {
      if (req.method != "POST")
        respond(http_response{405, "application/json", R"({"error":"use POST"})"});
      else
        publish_over_http(req, std::move(respond));
      return;
    }
    if (req.method != "GET") {
      respond(http_response{405, "application/json", R"({"error":"method not allowed"})"});
      return;
    }
    if (path == "/health") {
      std::string body = R"({"status":")";
      body += draining ? "draining" : "ok";
      body += R"(","node":)";
      protocol::write_escaped_string(body, cfg->node_name);
      body += ",\"uptime_s\":" + std::to_string((now_ms() - started_ms) / 1000) + "}";
      respond(http_response{draining ? 503u : 200u, "application/json", std::move(body)});
      return;
    }
    if (path == "/metrics") {
      if (auto refused = authorize_metrics(*access, *cfg, req.authorization, req.peer_address,
                                           now_s())) {
        respond(refusal_response(*refused));
        return;
      }
      respond(metrics());
      return;
    }
    if (path == "/stats" || path == "/api/socketio-status") {
      // Statistics list every user and connection: admin only (system:stats read).
      if (auto refused = authorize_http(*access, cfg->auth, req.authorization, now_s(),
                                        "system:stats", "read")) {
        respond(refusal_response(*refused));
        return;
      }
      // Both are paged alike: ?limit=&offset= (docs/PROTOCOL-NOTES.md).
      auto asked = protocol::parse_stats_query(req.target);
      auto page = asked ? protocol::resolve_stats_page(*asked, cfg->stats.default_limit,
                                                       cfg->limits.max_listed_connections)
                        : protocol::result<protocol::stats_page>(asked.error());
      if (!page) {
        respond(http_response{400, "application/json",
                              protocol::encode_error(page.error().code, page.error().message)});
        return;
      }
      bool mystocks_shape = path == "/api/socketio-status";
      caf::anon_send(stats, get_stats_atom::value, std::uint64_t{page->limit},
                     std::uint64_t{page->offset},
                     json_callback{[respond, mystocks_shape](std::string doc) {
                       if (!mystocks_shape) {
                         respond(json_ok(std::move(doc)));
                         return;
                       }
                       // The MyStocks shape, with our statistics inside.
                       respond(json_ok(R"({"status":"active","service":"Socket.IO","statistics":)"
                                       + doc + R"(,"timestamp":)"
                                       + std::to_string(now_ms() / 1000) + "}"));
                     }});
      return;
    }
    respond(http_response{404, "application/json", R"({"error":"not found"})"});
  }
};

broker::broker(caf::actor_system& system, std::shared_ptr<const settings> cfg)
  : impl_(std::make_unique<impl>(system, std::move(cfg))) {
}

broker::~broker() {
  shutdown();
}

std::uint16_t broker::start() {
  auto& d = *impl_;
  // The access rules first: a broker with a bad key or policy file must not serve at all.
  auto rules = load_access_rules(d.cfg->auth);
  if (!rules)
    throw std::runtime_error(rules.error().message);
  d.access = std::make_shared<access_control>(rules->authorizer, rules->verifier);
  d.persistence = spawn_persistence(d.system, d.cfg); // throws on a bad data directory
  d.parked_budget = std::make_shared<byte_budget>(d.cfg->recovery.parked_total_bytes);
  d.parked_sessions = d.system.spawn(parked_sessions_behavior, d.cfg,
                                     std::shared_ptr<const byte_budget>(d.parked_budget));
  d.directory = d.system.spawn(directory_behavior, d.cfg, d.persistence);
  d.market = d.system.spawn(market_behavior, d.cfg);
  if (d.cfg->feed.simulated)
    d.feeds.push_back(d.system.spawn(simulated_feed, d.cfg->feed, d.market));
  if (!d.cfg->feed.replay_file.empty())
    d.feeds.push_back(d.system.spawn(replay_feed, d.cfg->feed, d.market));
  gateway_hooks hooks;
  hooks.engineio_paths = {"/socket.io/"};
  hooks.websocket_paths = {"/ws"};
  hooks.open_session = [&d](std::weak_ptr<connection> conn, const upgrade_request& req) {
    return d.open_session(std::move(conn), req);
  };
  hooks.handle_http = [&d](const http_request_info& req, http_responder respond) {
    d.handle_http(req, std::move(respond));
  };
  d.gw = std::make_unique<gateway>(d.cfg, std::move(hooks));
  d.stats = d.system.spawn(stats_behavior, d.cfg,
                           stats_sources{d.directory, d.market, d.persistence, d.parked_sessions},
                           [gw = d.gw.get()] { return gw->counters(); });
  auto port = d.gw->listen();
  d.gw->run(d.cfg->io_threads);
  return port;
}

void broker::reload() {
  auto& d = *impl_;
  if (!d.access || d.stopped)
    return;
  // New rules are built aside; only complete ones replace the old (and so the cache).
  auto rules = load_access_rules(d.cfg->auth);
  if (!rules) {
    ++d.reload_failures;
    log_line("broker", "reload refused, the access rules in force stay: " + rules.error().message);
    return;
  }
  auto count = rules->authorizer->rule_count();
  d.access->replace(std::move(rules->authorizer), std::move(rules->verifier));
  ++d.reloads;
  log_line("broker", "access rules reloaded: " + std::to_string(count) + " policy rules");
}

void broker::shutdown() {
  auto& d = *impl_;
  if (d.stopped || !d.gw)
    return;
  d.stopped = true;
  d.draining = true;
  d.gw->stop_accepting();
  for (auto& feed : d.feeds) // the simulated feed never stops by itself
    caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
  d.feeds.clear();
  // Sessions close their sockets with 1001 going away (dropped ones waiting for
  // recovery queue what their users are owed); rooms are stopped; once every session
  // is gone the directory tells the persistence actor to commit and stop. Sockets
  // whose client never sent CONNECT have no registered session: close those from
  // the socket side, and their sessions finish when the close completes.
  caf::anon_send(d.directory, shutdown_atom::value);
  caf::anon_send_exit(d.parked_sessions, caf::exit_reason::user_shutdown);
  d.gw->close_all(close_code::going_away, "server shutting down");
  caf::anon_send_exit(d.stats, caf::exit_reason::user_shutdown);
  caf::anon_send(d.market, shutdown_atom::value);
  d.directory = nullptr;
  d.market = nullptr;
  d.stats = nullptr;
  d.persistence = nullptr;
  d.parked_sessions = nullptr;
  // Asio keeps running while the actors finish, so their last writes and closes go out.
  d.system.await_all_actors_done();
  d.gw->stop(std::chrono::milliseconds(2000));
}

} // namespace qc
