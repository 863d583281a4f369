// HTTP under the access rules (PROTOCOL.md §2, docs/architecture/rbac.md): tokens on
// POST /publish, /stats and /metrics, the RBAC policy deciding, and SIGHUP reloading
// the policy and the JWT secret without dropping connections. Real broker processes.

#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <ifaddrs.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <thread>

#include "protocol/jwt_verifier.hpp"
#include "protocol/rbac_policy.hpp"

using namespace qc::test;

namespace {

const std::string secret = "integration-test-secret-of-at-least-32-bytes";

std::int64_t now_s() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::string token(const std::string& sub, std::vector<std::string> roles,
                  const std::string& key = secret, std::int64_t exp_in_s = 600) {
  qc::protocol::jwt_mint_request req;
  req.sub = sub;
  req.roles = std::move(roles);
  req.exp = now_s() + exp_in_s;
  req.iat = now_s();
  auto t = qc::protocol::sign_jwt(req, key);
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  return *t;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

// A broker in auth.mode jwt with its secret in a file of its own temp dir.
struct jwt_broker {
  temp_dir keys{"qc-auth"};
  std::filesystem::path secret_file = keys.path() / "secret";
  std::optional<broker_under_test> broker;

  explicit jwt_broker(std::vector<std::string> extra = {}) {
    write_file(secret_file, secret + "\n");
    std::vector<std::string> args{"--auth.mode=jwt", "--auth.jwt-secret-file=" + secret_file.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    broker.emplace(std::move(args));
  }
  broker_under_test& operator*() { return *broker; }
  broker_under_test* operator->() { return &*broker; }
};

http_response get(broker_under_test& b, const std::string& target, const std::string& bearer = "") {
  std::map<std::string, std::string> headers;
  if (!bearer.empty())
    headers["Authorization"] = "Bearer " + bearer;
  return http_request("GET", b.host(), b.port(), target, "", headers);
}

http_response publish(broker_under_test& b, const std::string& body,
                      std::map<std::string, std::string> headers = {}) {
  headers["Content-Type"] = "application/json";
  return http_request("POST", b.host(), b.port(), "/publish", body, headers);
}

std::map<std::string, std::string> bearer(const std::string& t) {
  return {{"Authorization", "Bearer " + t}};
}

// The response's status and error_code, for one CHECK that prints both.
std::string status_and_code(const http_response& r) {
  std::string code = "-";
  if (r.body.starts_with("{")) {
    json_doc j(r.body);
    if (j.is_string("/error_code"))
      code = j.str("/error_code");
  }
  return std::to_string(r.status) + " " + code;
}

// Waits until the broker's output has `text` (the reload's log line).
bool output_shows(broker_under_test& b, const std::string& text,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (b.process().output_tail().find(text) != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// The shipped policy with `from` (a whole line) replaced by `to`.
std::string shipped_policy_with(const std::string& from, const std::string& to) {
  std::string text(qc::rbac::default_policy_text());
  auto at = text.find(from + "\n");
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return text.replace(at, from.size(), to);
}

// A non-loopback IPv4 address of this machine, if it has one.
std::optional<std::string> external_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0)
    return std::nullopt;
  std::optional<std::string> found;
  for (auto* a = list; a && !found; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
      continue;
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    if (!std::string(text).starts_with("127."))
      found = text;
  }
  freeifaddrs(list);
  return found;
}

const std::string tick = R"({"symbol":"600519","price":1688.5,"volume":100})";

} // namespace

TEST_CASE("auth HTTP: POST /publish in jwt mode: 401 without or with a bad token, 403 for a viewer, 200 for a publisher") {
  jwt_broker b;
  auto none = publish(*b, tick);
  CHECK(status_and_code(none) == "401 AUTH_REQUIRED");
  CHECK(none.headers["www-authenticate"] == R"(Bearer realm="quotecast")");
  CHECK(status_and_code(publish(*b, tick, {{"Authorization", "Basic dXNlcjpwYXNz"}})) == "401 AUTH_FAILED");
  auto forged = publish(*b, tick, bearer(token("mallory", {"publisher"}, "another-secret-that-is-also-32-bytes-long")));
  CHECK(status_and_code(forged) == "401 AUTH_FAILED");
  CHECK(forged.headers["www-authenticate"] == R"(Bearer realm="quotecast", error="invalid_token")");
  CHECK(status_and_code(publish(*b, tick, bearer("not.a.jwt"))) == "401 AUTH_FAILED");
  CHECK(status_and_code(publish(*b, tick, bearer(token("pub", {"publisher"}, secret, -120))))
        == "401 AUTH_TOKEN_EXPIRED");
  CHECK(status_and_code(publish(*b, tick, bearer(token("vic", {"viewer"})))) == "403 PERMISSION_DENIED");
  // A room role in a token is dropped, not honoured everywhere.
  CHECK(status_and_code(publish(*b, tick, bearer(token("own", {"room_owner"})))) == "403 PERMISSION_DENIED");
  auto ok = publish(*b, tick, bearer(token("feed", {"publisher"})));
  REQUIRE_MESSAGE(ok.status == 200, ok.describe());
  json_doc j(ok.body);
  CHECK(j.integer("/accepted") == 1);
  CHECK(status_and_code(publish(*b, R"({"symbol":"600519","price":1689})", bearer(token("boss", {"admin"}))))
        == "200 -");
  // Who it is comes before what it sent: a bad body without a token is still a 401.
  CHECK(status_and_code(publish(*b, "{not json")) == "401 AUTH_REQUIRED");
  CHECK(publish(*b, "{not json", bearer(token("feed", {"publisher"}))).status == 400);
}

TEST_CASE("auth HTTP: POST /publish needs publish on every tick's stream") {
  temp_dir dir("qc-auth-policy");
  auto policy = dir.path() / "policy.csv";
  write_file(policy, shipped_policy_with("p, publisher, stream:*, publish",
                                         "p, publisher, stream:600519, publish"));
  jwt_broker b({"--auth.rbac-policy-file=" + policy.string()});
  auto feed = bearer(token("feed", {"publisher"}));
  CHECK(status_and_code(publish(*b, tick, feed)) == "200 -");
  auto mixed = publish(*b, R"([{"symbol":"600519","price":1},{"symbol":"000001","price":2}])", feed);
  CHECK(status_and_code(mixed) == "403 PERMISSION_DENIED");
  CHECK(mixed.body.find("stream:000001") != std::string::npos);
  // Nothing of the refused batch was published: 000001 has no stream.
  auto stats = get(*b, "/stats", token("boss", {"admin"}));
  REQUIRE_MESSAGE(stats.status == 200, stats.describe());
  CHECK(stats.body.find("000001") == std::string::npos);
}

TEST_CASE("auth HTTP: /stats and /api/socketio-status are for admins; /health stays open") {
  jwt_broker b;
  for (std::string path : {"/stats", "/api/socketio-status"}) {
    CAPTURE(path);
    CHECK(status_and_code(get(*b, path)) == "401 AUTH_REQUIRED");
    CHECK(status_and_code(get(*b, path, token("vic", {"viewer"}))) == "403 PERMISSION_DENIED");
    CHECK(status_and_code(get(*b, path, token("pub", {"publisher", "trader"}))) == "403 PERMISSION_DENIED");
    CHECK(status_and_code(get(*b, path, token("x", {"admin"}, secret, -120))) == "401 AUTH_TOKEN_EXPIRED");
    auto ok = get(*b, path, token("boss", {"admin"}));
    CHECK_MESSAGE(ok.status == 200, ok.describe());
  }
  CHECK(get(*b, "/health").status == 200);
  CHECK(get(*b, "/health", "garbage").status == 200);
}

TEST_CASE("auth HTTP: header and none modes check auth.default-roles through the same policy") {
  SUBCASE("viewers may neither publish nor read stats") {
    broker_under_test b({"--auth.default-roles=[\"viewer\"]"});
    CHECK(status_and_code(publish(b, tick)) == "403 PERMISSION_DENIED");
    CHECK(status_and_code(get(b, "/stats")) == "403 PERMISSION_DENIED");
  }
  SUBCASE("the demo's trader+publisher publish but do not read stats") {
    broker_under_test b({"--auth.mode=none", "--auth.default-roles=[\"trader\",\"publisher\"]"});
    CHECK(status_and_code(publish(b, tick)) == "200 -");
    CHECK(status_and_code(get(b, "/stats")) == "403 PERMISSION_DENIED");
    CHECK(status_and_code(get(b, "/api/socketio-status")) == "403 PERMISSION_DENIED");
  }
  SUBCASE("a token means nothing in header mode") {
    broker_under_test b({"--auth.default-roles=[\"viewer\"]"});
    CHECK(status_and_code(get(b, "/stats", "whatever")) == "403 PERMISSION_DENIED");
  }
}

TEST_CASE("auth HTTP: /metrics by http.metrics-access") {
  SUBCASE("loopback (the default): a local peer reads it without a token") {
    jwt_broker b;
    auto r = get(*b, "/metrics");
    REQUIRE_MESSAGE(r.status == 200, r.describe());
    CHECK(r.headers["content-type"].starts_with("text/plain; version=0.0.4"));
    CHECK(r.body.find("# TYPE quotecast_uptime_seconds gauge\nquotecast_uptime_seconds ") != std::string::npos);
    CHECK(r.body.find("\nquotecast_rbac_rules ") != std::string::npos);
  }
  SUBCASE("loopback: a peer on another address is refused") {
    auto address = external_ipv4();
    if (!address) {
      MESSAGE("no non-loopback IPv4 address on this machine: the remote-peer case is not run");
      return;
    }
    // Bound to that one address (not all interfaces), and reached through it.
    broker_under_test b({"--host=" + *address});
    CHECK(status_and_code(get(b, "/metrics")) == "403 PERMISSION_DENIED");
    CHECK(get(b, "/health").status == 200);
  }
  SUBCASE("token: an admin token, nothing less") {
    jwt_broker b({"--http.metrics-access=token"});
    CHECK(status_and_code(get(*b, "/metrics")) == "401 AUTH_REQUIRED");
    CHECK(status_and_code(get(*b, "/metrics", token("vic", {"viewer"}))) == "403 PERMISSION_DENIED");
    CHECK(get(*b, "/metrics", token("boss", {"admin"})).status == 200);
  }
  SUBCASE("open") {
    broker_under_test b({"--http.metrics-access=open"});
    CHECK(get(b, "/metrics").status == 200);
  }
}

TEST_CASE("auth HTTP: SIGHUP reloads the policy; a bad policy keeps the rules in force") {
  temp_dir dir("qc-auth-reload");
  auto policy = dir.path() / "policy.csv";
  write_file(policy, std::string(qc::rbac::default_policy_text()));
  broker_under_test b({"--auth.default-roles=[\"viewer\"]", "--auth.rbac-policy-file=" + policy.string()});
  CHECK(status_and_code(get(b, "/stats")) == "403 PERMISSION_DENIED");

  write_file(policy, std::string(qc::rbac::default_policy_text()) + "p, viewer, system:stats, read\n");
  b.process().send_signal(SIGHUP);
  REQUIRE_MESSAGE(output_shows(b, "access rules reloaded"), b.process().output_tail());
  CHECK(status_and_code(get(b, "/stats")) == "200 -");

  write_file(policy, "p, viewer, system:stats, reed\n");
  b.process().send_signal(SIGHUP);
  REQUIRE_MESSAGE(output_shows(b, "reload refused"), b.process().output_tail());
  CHECK(b.process().output_tail().find("policy line 1: unknown action 'reed'") != std::string::npos);
  CHECK(status_and_code(get(b, "/stats")) == "200 -"); // the rules in force stayed
  auto metrics = get(b, "/metrics");
  CHECK(metrics.body.find("\nquotecast_access_reloads_total 1\n") != std::string::npos);
  CHECK(metrics.body.find("\nquotecast_access_reload_failures_total 1\n") != std::string::npos);
  CHECK(b.process().running());
}

TEST_CASE("auth HTTP: SIGHUP reloads the JWT secret") {
  jwt_broker b;
  const std::string next = "the-next-secret-after-rotation-32-bytes-long";
  CHECK(get(*b, "/stats", token("boss", {"admin"})).status == 200);
  write_file(b.secret_file, next);
  b->process().send_signal(SIGHUP);
  REQUIRE_MESSAGE(output_shows(*b, "access rules reloaded"), b->process().output_tail());
  CHECK(status_and_code(get(*b, "/stats", token("boss", {"admin"}))) == "401 AUTH_FAILED");
  CHECK(get(*b, "/stats", token("boss", {"admin"}, next)).status == 200);
  // A secret too short to be one is refused; the rotated one stays.
  write_file(b.secret_file, "short");
  b->process().send_signal(SIGHUP);
  REQUIRE_MESSAGE(output_shows(*b, "reload refused"), b->process().output_tail());
  CHECK(get(*b, "/stats", token("boss", {"admin"}, next)).status == 200);
}

TEST_CASE("auth: SIGHUP changes what an open connection may do, and keeps it open") {
  temp_dir dir("qc-auth-live");
  auto policy = dir.path() / "policy.csv";
  // Viewers (through guest) may subscribe to every stream but X.
  write_file(policy, shipped_policy_with("p, guest, stream:*, subscribe", "p, guest, stream:Y, subscribe"));
  broker_under_test b({"--auth.default-roles=[\"viewer\"]", "--auth.rbac-policy-file=" + policy.string()});
  sio_client c;
  connect_as(c, b, "vera");
  REQUIRE(c.emit("subscribe_market_stream", R"({"symbol":"X"})"));
  auto refused = c.wait_event("stream_error");
  REQUIRE_MESSAGE(refused, refused.error());
  CHECK(json_doc(*refused).str("/error_code") == "PERMISSION_DENIED");

  write_file(policy, std::string(qc::rbac::default_policy_text()));
  b.process().send_signal(SIGHUP);
  REQUIRE_MESSAGE(output_shows(b, "access rules reloaded"), b.process().output_tail());
  REQUIRE(c.is_open());
  REQUIRE(c.emit("subscribe_market_stream", R"({"symbol":"X"})"));
  auto subscribed = c.wait_event("stream_subscribed");
  REQUIRE_MESSAGE(subscribed, subscribed.error() << "\n" << c.describe());
  CHECK(json_doc(*subscribed).str("/symbol") == "X");
}
