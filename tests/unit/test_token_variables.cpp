// The scenario runner's token variables (apps/scenario/token_variables.hpp) and their
// use through variables::substitute_*: parsed, minted with the run's secret, verified
// by the broker's verifier.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "apps/scenario/token_variables.hpp"
#include "apps/scenario/variables.hpp"
#include "protocol/jwt_verifier.hpp"

using namespace qc::scenario;

namespace {

const std::string secret = "scenario-secret-scenario-secret-0123456789";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

qc::protocol::jwt_verifier verifier() {
  qc::protocol::jwt_config cfg;
  cfg.secret = secret;
  return *qc::protocol::jwt_verifier::make(cfg);
}

} // namespace

TEST_CASE("token variables: the forms parse") {
  auto t = parse_token_variable("token:alice:viewer,trader");
  REQUIRE(t);
  CHECK(t->what == token_variable::kind::valid);
  CHECK(t->sub == "alice");
  CHECK(t->roles == std::vector<std::string>{"viewer", "trader"});
  CHECK(t->ttl_s == 3600);

  t = parse_token_variable("token:bob:admin:ttl=2");
  REQUIRE(t);
  CHECK(t->sub == "bob");
  CHECK(t->ttl_s == 2);

  t = parse_token_variable("token:carol:");
  REQUIRE(t);
  CHECK(t->roles.empty());

  t = parse_token_variable("token_expired:alice:viewer");
  REQUIRE(t);
  CHECK(t->what == token_variable::kind::expired);
  t = parse_token_variable("token_bad_signature:alice:viewer");
  REQUIRE(t);
  CHECK(t->what == token_variable::kind::bad_signature);

  CHECK_FALSE(parse_token_variable("sid"));
  CHECK_FALSE(parse_token_variable("tokens:alice:viewer"));
  CHECK_FALSE(parse_token_variable("bob_sid"));
}

TEST_CASE("token variables: malformed ones say so") {
  CHECK_THROWS_AS(parse_token_variable("token"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token:alice"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token::viewer"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token:alice:viewer,,admin"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token:alice:viewer:ttl=0"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token:alice:viewer:ttl=2s"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token:alice:viewer:exp=2"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token_expired:alice:viewer:ttl=5"), bad_token_variable);
  CHECK_THROWS_AS(parse_token_variable("token:alice:viewer:ttl=1:x"), bad_token_variable);
}

TEST_CASE("token variables: minted tokens verify, or fail as named") {
  const auto v = verifier();
  const auto now = now_s();
  auto c = v.verify(mint_token_variable(*parse_token_variable("token:alice:viewer,trader"), secret, now), now);
  REQUIRE(c.ok());
  CHECK(c->sub == "alice");
  CHECK(c->roles == std::vector<std::string>{"viewer", "trader"});
  CHECK(c->exp == now + 3600);

  c = v.verify(mint_token_variable(*parse_token_variable("token:bob:admin:ttl=2"), secret, now), now + 2);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == qc::protocol::error_code::auth_token_expired);

  c = v.verify(mint_token_variable(*parse_token_variable("token_expired:alice:viewer"), secret, now), now);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == qc::protocol::error_code::auth_token_expired);

  c = v.verify(mint_token_variable(*parse_token_variable("token_bad_signature:alice:viewer"), secret, now), now);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == qc::protocol::error_code::auth_failed);
}

TEST_CASE("token variables through substitution: JSON, text, and no secret") {
  variables vars;
  CHECK_THROWS_AS(vars.substitute_text("token=${token:alice:viewer}"), unknown_variable);
  vars.set_jwt_secret(secret);

  const auto query = vars.substitute_text("token=${token:alice:viewer}");
  REQUIRE(query.rfind("token=", 0) == 0);
  CHECK(verifier().verify(query.substr(6), now_s()).ok());

  const auto auth = vars.substitute_json(R"({"token":"${token:alice:viewer}"})");
  REQUIRE(auth.rfind(R"({"token":")", 0) == 0);
  const auto token = auth.substr(10, auth.size() - 12);
  const auto c = verifier().verify(token, now_s());
  REQUIRE(c.ok());
  CHECK(c->sub == "alice");

  CHECK_THROWS_AS(vars.substitute_text("${token:alice}"), unknown_variable);
  vars.set("sid", "\"abc\"");
  CHECK(vars.substitute_text("anon-${sid}") == "anon-abc"); // captured variables still work
}
