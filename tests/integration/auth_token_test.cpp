// A token on a live connection (PROTOCOL.md §2): at exp the broker says
// AUTH_TOKEN_EXPIRED and disconnects, unless auth_refresh brought a valid token for the
// same sub first; a refused refresh leaves the old token, roles and timer in place.
#include "tests/integration/auth_broker.hpp"
#include "tests/support/json_doc.hpp"

using namespace qc::test;
using namespace std::chrono_literals;

namespace {

// get_stats through a request: "" when answered, else its error_code.
std::string stats_answer(sio_client& s, std::uint64_t ack) {
  REQUIRE(s.emit("request", R"({"type":"request","request_id":"r)" + std::to_string(ack)
                              + R"(","action":"get_stats"})", ack));
  auto reply = s.wait_ack(ack);
  REQUIRE_MESSAGE(reply, reply.error());
  json_doc j(*reply);
  return j.boolean("/ok") == true ? "" : j.str("/error_code");
}

}  // namespace

TEST_CASE("jwt mode: at exp the connection gets AUTH_TOKEN_EXPIRED, then it is closed (Socket.IO and /ws)") {
  auth_broker b;
  auto token = b.token("alice", {"viewer"}, 2);
  sio_client s;
  connect_with_token(s, b, token);
  json_ws_client w;
  REQUIRE(w.connect(b.host(), b.port(), "token=" + token).ok);
  REQUIRE(w.wait_event("connect_response"));

  auto err = s.wait_event("error", 5s);
  REQUIRE_MESSAGE(err, err.error());
  CHECK(json_doc(*err).str("/error_code") == "AUTH_TOKEN_EXPIRED");
  auto closed = s.wait_closed(3s);
  REQUIRE_MESSAGE(closed, closed.error());
  // The Socket.IO client was told it is disconnected (41) before the close.
  bool told = false;
  while (auto p = s.take_other_packet())
    told = told || p->type == sio_type::disconnect;
  CHECK(told);

  auto werr = w.wait_event("error", 3s);
  REQUIRE_MESSAGE(werr, werr.error());
  CHECK(json_doc(*werr).str("/error_code") == "AUTH_TOKEN_EXPIRED");
  auto wclosed = w.wait_closed(3s);
  REQUIRE_MESSAGE(wclosed, wclosed.error());
  CHECK(wclosed->close_code == 1008);
}

TEST_CASE("jwt mode: auth_refresh before exp keeps the connection past it, with the new token's roles") {
  auth_broker b;
  sio_client s;
  connect_with_token(s, b, b.token("alice", {"viewer"}, 2));
  CHECK(stats_answer(s, 1) == "PERMISSION_DENIED");

  auto fresh = b.token("alice", {"admin", "room_owner"}, 600);
  REQUIRE(s.emit("auth_refresh", R"({"token":)" + json_quote(fresh) + "}", 2));
  auto ack = s.wait_ack(2);
  REQUIRE_MESSAGE(ack, ack.error());
  json_doc a(*ack);
  CHECK(a.boolean("/ok") == true);
  CHECK(a.integer("/exp") > epoch_seconds() + 500);
  CHECK(a.text("/roles") == R"(["admin"])");
  auto event = s.wait_event("auth_refreshed");
  REQUIRE_MESSAGE(event, event.error());
  CHECK(json_doc(*event).text("/roles") == R"(["admin"])");

  CHECK(s.expect_no_event("error", 3500ms)); // past the old exp
  CHECK(s.is_open());
  CHECK(stats_answer(s, 3) == ""); // admin now

  // /ws: the same, the reply as {"ack":id,...}.
  json_ws_client w;
  REQUIRE(w.connect(b.host(), b.port(), "token=" + b.token("bob", {"viewer"}, 2)).ok);
  REQUIRE(w.wait_event("connect_response"));
  REQUIRE(w.send("auth_refresh", R"({"token":)" + json_quote(b.token("bob", {"trader"}, 600)) + "}", 9));
  auto wack = w.wait_ack(9);
  REQUIRE_MESSAGE(wack, wack.error());
  CHECK(json_doc(*wack).text("/roles") == R"(["trader"])");
  CHECK(w.expect_no_event("error", 2500ms));
  CHECK(w.is_open());
}

TEST_CASE("jwt mode: a refused auth_refresh keeps the old token and timer") {
  auth_broker b;
  sio_client s;
  connect_with_token(s, b, b.token("alice", {"viewer"}, 3));
  struct attempt {
    const char* what;
    std::string payload;
    const char* code;
  };
  const std::vector<attempt> attempts{
    {"another sub", R"({"token":)" + json_quote(b.token("mallory", {"admin"})) + "}", "AUTH_FAILED"},
    {"bad signature", R"({"token":)" + json_quote(b.foreign_token("alice", {"admin"})) + "}", "AUTH_FAILED"},
    {"expired", R"({"token":)" + json_quote(b.token("alice", {"admin"}, -120)) + "}", "AUTH_TOKEN_EXPIRED"},
    {"too long", R"({"token":")" + std::string(9000, 'a') + "\"}", "AUTH_FAILED"},
    {"no token", "{}", "INVALID_PARAMETERS"},
  };
  std::uint64_t id = 10;
  for (const auto& t : attempts) {
    INFO(t.what);
    REQUIRE(s.emit("auth_refresh", t.payload, ++id));
    auto ack = s.wait_ack(id);
    REQUIRE_MESSAGE(ack, ack.error());
    CHECK(json_doc(*ack).boolean("/ok") == false);
    CHECK(json_doc(*ack).str("/error_code") == t.code);
  }
  CHECK(stats_answer(s, 50) == "PERMISSION_DENIED"); // still a viewer
  // ... and still expiring at the old exp.
  auto expired = s.wait_event_full("error", 5s);
  for (int i = 0; expired && json_doc(expired->payload).str("/error_code") != "AUTH_TOKEN_EXPIRED" && i < 10; ++i)
    expired = s.wait_event_full("error", 5s);
  REQUIRE_MESSAGE(expired, expired.error());
  CHECK(json_doc(expired->payload).str("/error_code") == "AUTH_TOKEN_EXPIRED");
  CHECK(s.wait_closed(3s));
}

TEST_CASE("header mode: auth_refresh is AUTH_FAILED, tokens are not used") {
  broker_under_test broker;
  sio_client s;
  connect_as(s, broker, "hank");
  REQUIRE(s.emit("auth_refresh", R"({"token":"x.y.z"})", 1));
  auto ack = s.wait_ack(1);
  REQUIRE_MESSAGE(ack, ack.error());
  CHECK(json_doc(*ack).str("/error_code") == "AUTH_FAILED");
  CHECK(json_doc(*ack).str("/message").find("header mode") != std::string::npos);
  CHECK(s.is_open());
}
