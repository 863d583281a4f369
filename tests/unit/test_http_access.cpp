#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "actors/http_access.hpp"
#include "protocol/jwt_verifier.hpp"
#include "protocol/prometheus_text.hpp"

using namespace qc;

namespace {

const std::string secret = "unit-test-secret-of-at-least-32-bytes!";
constexpr std::int64_t now = 1'800'000'000;

std::shared_ptr<const rbac::authorizer> shipped_policy() {
  auto a = rbac::authorizer::parse(rbac::default_model_text(), rbac::default_policy_text());
  REQUIRE(a.ok());
  return *a;
}

std::shared_ptr<const access_control> access_with_verifier() {
  protocol::jwt_config cfg;
  cfg.secret = secret;
  auto v = protocol::jwt_verifier::make(cfg);
  REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().message));
  return std::make_shared<const access_control>(
    shipped_policy(), std::make_shared<const protocol::jwt_verifier>(*v));
}

std::string bearer(const std::string& sub, std::vector<std::string> roles, std::int64_t exp = now + 60) {
  protocol::jwt_mint_request req;
  req.sub = sub;
  req.roles = std::move(roles);
  req.exp = exp;
  auto t = protocol::sign_jwt(req, secret);
  REQUIRE(t.ok());
  return "Bearer " + *t;
}

std::string outcome(const std::optional<http_refusal>& r) {
  return r ? std::to_string(r->status) + " " + std::string(protocol::to_string(r->code)) : "ok";
}

std::vector<std::string> subjects_of(const access_control& access, const auth_settings& auth,
                                     const std::string& authorization) {
  auto who = identify_http_caller(access, auth, authorization, now);
  REQUIRE(std::holds_alternative<http_caller>(who));
  return std::get<http_caller>(who).subjects;
}

} // namespace

TEST_CASE("loopback addresses") {
  CHECK(is_loopback_address("127.0.0.1"));
  CHECK(is_loopback_address("127.255.3.4"));
  CHECK(is_loopback_address("::1"));
  CHECK(is_loopback_address("::ffff:127.0.0.1"));
  CHECK_FALSE(is_loopback_address("10.0.0.1"));
  CHECK_FALSE(is_loopback_address("128.0.0.1"));
  CHECK_FALSE(is_loopback_address("1.127.0.0"));
  CHECK_FALSE(is_loopback_address("::ffff:10.0.0.1"));
  CHECK_FALSE(is_loopback_address("::2"));
  CHECK_FALSE(is_loopback_address("127.0.0"));
  CHECK_FALSE(is_loopback_address("127.0.0.1.5"));
  CHECK_FALSE(is_loopback_address("127.0.0."));
  CHECK_FALSE(is_loopback_address("127.0.0.256"));
  CHECK_FALSE(is_loopback_address("127.0.0.x"));
  CHECK_FALSE(is_loopback_address(""));
  CHECK_FALSE(is_loopback_address("localhost"));
}

TEST_CASE("HTTP callers in header and none modes have auth.default-roles") {
  access_control access(shipped_policy(), nullptr);
  auth_settings auth;
  auth.mode = auth_mode::header;
  auth.default_roles = {"viewer"};
  CHECK(subjects_of(access, auth, "") == std::vector<std::string>{"viewer"});
  CHECK(subjects_of(access, auth, bearer("boss", {"admin"})) == std::vector<std::string>{"viewer"});
  CHECK(outcome(authorize_http(access, auth, "", now, "stream:600519", "publish")) == "403 PERMISSION_DENIED");
  auth.mode = auth_mode::none;
  auth.default_roles = {"trader", "publisher"};
  CHECK(outcome(authorize_http(access, auth, "", now, "stream:600519", "publish")) == "ok");
  CHECK(outcome(authorize_http(access, auth, "", now, "system:stats", "read")) == "403 PERMISSION_DENIED");
}

TEST_CASE("HTTP callers in jwt and optional modes need a valid bearer token") {
  auto access = access_with_verifier();
  for (auto mode : {auth_mode::jwt, auth_mode::optional}) {
    auth_settings auth;
    auth.mode = mode;
    auto ask = [&](const std::string& authorization) {
      return outcome(authorize_http(*access, auth, authorization, now, "system:stats", "read"));
    };
    CHECK(ask("") == "401 AUTH_REQUIRED");
    CHECK(ask("Basic dXNlcjpwYXNz") == "401 AUTH_FAILED");
    CHECK(ask("Bearer") == "401 AUTH_FAILED");
    CHECK(ask("Bearer not-a-token") == "401 AUTH_FAILED");
    CHECK(ask(bearer("boss", {"admin"}, now - 1)) == "401 AUTH_TOKEN_EXPIRED");
    CHECK(ask(bearer("vic", {"viewer"})) == "403 PERMISSION_DENIED");
    CHECK(ask(bearer("boss", {"admin"})) == "ok");
    CHECK(ask("bearer " + bearer("boss", {"admin"}).substr(7)) == "ok");
  }
}

TEST_CASE("an HTTP caller's subjects: token roles without room roles, and a user id that is no role") {
  auto access = access_with_verifier();
  auth_settings auth;
  auth.mode = auth_mode::jwt;
  CHECK(subjects_of(*access, auth, bearer("alice", {"viewer", "room_owner"}))
        == std::vector<std::string>{"viewer", "alice"});
  // A user called "admin" is not thereby an admin.
  CHECK(subjects_of(*access, auth, bearer("admin", {"viewer"})) == std::vector<std::string>{"viewer"});
  CHECK(outcome(authorize_http(*access, auth, bearer("admin", {"viewer"}), now, "system:stats", "read"))
        == "403 PERMISSION_DENIED");
}

TEST_CASE("token modes without a verifier refuse rather than let anyone in") {
  access_control access(shipped_policy(), nullptr);
  auth_settings auth;
  auth.mode = auth_mode::jwt;
  CHECK(outcome(authorize_http(access, auth, "Bearer x", now, "system:stats", "read"))
        == "503 SERVICE_UNAVAILABLE");
}

TEST_CASE("/metrics access: open, loopback, token") {
  auto access = access_with_verifier();
  settings cfg;
  cfg.auth.mode = auth_mode::jwt;
  auto ask = [&](const std::string& authorization, const std::string& peer) {
    return outcome(authorize_metrics(*access, cfg, authorization, peer, now));
  };
  cfg.http.metrics = metrics_access::open;
  CHECK(ask("", "203.0.113.9") == "ok");
  cfg.http.metrics = metrics_access::loopback;
  CHECK(ask("", "127.0.0.1") == "ok");
  CHECK(ask("", "::1") == "ok");
  CHECK(ask("", "203.0.113.9") == "403 PERMISSION_DENIED");
  CHECK(ask(bearer("boss", {"admin"}), "203.0.113.9") == "403 PERMISSION_DENIED");
  CHECK(ask("", "") == "403 PERMISSION_DENIED");
  cfg.http.metrics = metrics_access::token;
  CHECK(ask("", "127.0.0.1") == "401 AUTH_REQUIRED");
  CHECK(ask(bearer("vic", {"viewer"}), "127.0.0.1") == "403 PERMISSION_DENIED");
  CHECK(ask(bearer("boss", {"admin"}), "203.0.113.9") == "ok");
  cfg.auth.mode = auth_mode::header;
  CHECK(ask(bearer("boss", {"admin"}), "127.0.0.1") == "403 PERMISSION_DENIED");
}

TEST_CASE("Prometheus text exposition") {
  const protocol::metric_sample samples[] = {
    {"qc_up_seconds", "Seconds up.", false, 42},
    {"qc_events_total", "Events with a \\ and a\nnewline.", true, 7},
  };
  CHECK(protocol::encode_prometheus(samples)
        == "# HELP qc_up_seconds Seconds up.\n# TYPE qc_up_seconds gauge\nqc_up_seconds 42\n"
           "# HELP qc_events_total Events with a \\\\ and a\\nnewline.\n"
           "# TYPE qc_events_total counter\nqc_events_total 7\n");
  CHECK(protocol::encode_prometheus({}).empty());
}
