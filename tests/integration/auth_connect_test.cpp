// Identity at CONNECT with --auth.mode=jwt and optional (PROTOCOL.md §2): every refusal
// class with its code on Socket.IO (44, connection stays open) and /ws (error, close
// 1008); the three token sources and which one counts; guests in optional mode; a
// parked session is handed over only to the same user.
#include "tests/integration/auth_broker.hpp"
#include "tests/support/json_doc.hpp"

#include <thread>

using namespace qc::test;
using namespace std::chrono_literals;

namespace {

struct refusal_case {
  const char* what;
  std::string token; // empty: no token at all
  const char* code;
};

std::vector<refusal_case> refusal_cases(auth_broker& b) {
  auto now = epoch_seconds();
  auto none_header = base64url(R"({"alg":"none","typ":"JWT"})");
  auto claims = base64url(R"({"sub":"mallory","roles":["admin"],"exp":)"
                          + std::to_string(now + 600) + "}");
  return {
    {"no token", "", "AUTH_REQUIRED"},
    {"bad signature", b.foreign_token("alice", {"admin"}), "AUTH_FAILED"},
    {"alg none", none_header + "." + claims + ".", "AUTH_FAILED"},
    {"expired", b.token("alice", {"viewer"}, -120), "AUTH_TOKEN_EXPIRED"},
    {"sub not a user id", b.token("bad user!", {"viewer"}), "AUTH_FAILED"},
    {"sub a guest's id", b.token("anon-abc", {"viewer"}), "AUTH_FAILED"},
    {"not a JWT", "not.a.jwt", "AUTH_FAILED"},
    {"longer than auth.max-token-bytes", std::string(9000, 'a'), "AUTH_FAILED"},
  };
}

}  // namespace

TEST_CASE("jwt mode, Socket.IO: every refusal has its code, and the connection may CONNECT again") {
  auth_broker b;
  for (const auto& c : refusal_cases(b)) {
    INFO(c.what);
    sio_client s;
    auto auth = c.token.empty() ? std::string() : R"({"token":)" + json_quote(c.token) + "}";
    CHECK(refused_code(s, b, auth) == c.code);
    // As the official server: the Engine.IO connection stays, and a good token works.
    auto again = s.connect_namespace("/", R"({"token":)" + json_quote(b.token("alice", {"viewer"})) + "}");
    REQUIRE_MESSAGE(again, again.error());
    CHECK(again->accepted);
    auto welcome = s.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    CHECK(json_doc(*welcome).str("/user_id") == "alice");
  }
  sio_client s;
  CHECK(refused_code(s, b, R"({"token":42})") == "AUTH_FAILED");
  sio_client t;
  // "" is no token, as a client library that is not logged in yet sends it.
  CHECK(refused_code(t, b, R"({"token":""})") == "AUTH_REQUIRED");
}

TEST_CASE("jwt mode, /ws: every refusal is an error event with its code, then close 1008") {
  auth_broker b;
  for (const auto& c : refusal_cases(b)) {
    INFO(c.what);
    json_ws_client w;
    auto query = c.token.empty() ? std::string() : "token=" + c.token;
    auto opened = w.connect(b.host(), b.port(), query);
    REQUIRE_MESSAGE(opened.ok, opened.error);
    auto err = w.wait_event("error");
    REQUIRE_MESSAGE(err, err.error());
    CHECK(json_doc(*err).str("/error_code") == c.code);
    auto closed = w.wait_closed();
    REQUIRE_MESSAGE(closed, closed.error());
    CHECK(closed->close_code == 1008);
  }
  // The same through the Authorization header.
  json_ws_client w;
  auto opened = w.connect(b.host(), b.port(), "",
                          {{"Authorization", "Bearer " + b.foreign_token("alice", {"viewer"})}});
  REQUIRE_MESSAGE(opened.ok, opened.error);
  auto err = w.wait_event("error");
  REQUIRE_MESSAGE(err, err.error());
  CHECK(json_doc(*err).str("/error_code") == "AUTH_FAILED");
  auto closed = w.wait_closed();
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK(closed->close_code == 1008);
}

TEST_CASE("jwt mode: a valid token via CONNECT auth, ?token= and Authorization: Bearer; room roles dropped") {
  auth_broker b;
  auto token = b.token("alice", {"trader", "room_owner", "viewer"});
  auto check_alice = [](const std::string& welcome) {
    json_doc j(welcome);
    CHECK(j.str("/user_id") == "alice");
    CHECK(j.text("/roles") == R"(["trader","viewer"])");
  };
  {
    INFO("Socket.IO, CONNECT auth");
    sio_client s;
    check_alice(connect_with_token(s, b, token));
  }
  {
    INFO("Socket.IO, ?token=");
    sio_client s;
    auto reply = s.open_and_connect(b.host(), b.port(), "token=" + token);
    REQUIRE_MESSAGE(reply, reply.error());
    auto welcome = s.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    check_alice(*welcome);
  }
  {
    INFO("Socket.IO, Authorization: Bearer");
    sio_client s;
    auto reply = s.open_and_connect(b.host(), b.port(), "", {{"Authorization", "Bearer " + token}});
    REQUIRE_MESSAGE(reply, reply.error());
    auto welcome = s.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    check_alice(*welcome);
  }
  {
    INFO("/ws, ?token=");
    json_ws_client w;
    REQUIRE(w.connect(b.host(), b.port(), "token=" + token).ok);
    auto welcome = w.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    check_alice(*welcome);
  }
  {
    INFO("/ws, Authorization: Bearer");
    json_ws_client w;
    REQUIRE(w.connect(b.host(), b.port(), "", {{"Authorization", "Bearer " + token}}).ok);
    auto welcome = w.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    check_alice(*welcome);
  }
}

TEST_CASE("jwt mode: the CONNECT auth token wins over the upgrade's; Bearer wins over ?token=") {
  auth_broker b;
  auto alice = b.token("alice", {"viewer"});
  auto bob = b.token("bob", {"viewer"});
  {
    INFO("a good CONNECT token over a bad ?token=");
    sio_client s;
    auto opened = s.open(b.host(), b.port(), "token=garbage");
    REQUIRE_MESSAGE(opened, opened.error());
    auto reply = s.connect_namespace("/", R"({"token":)" + json_quote(alice) + "}");
    REQUIRE_MESSAGE(reply, reply.error());
    CHECK(reply->accepted);
    auto welcome = s.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    CHECK(json_doc(*welcome).str("/user_id") == "alice");
  }
  {
    INFO("a bad CONNECT token over a good Bearer: refused, not ignored");
    sio_client s;
    CHECK(refused_code(s, b, R"({"token":"garbage"})", "", {{"Authorization", "Bearer " + alice}})
          == "AUTH_FAILED");
  }
  {
    INFO("Bearer over ?token=");
    json_ws_client w;
    REQUIRE(w.connect(b.host(), b.port(), "token=" + bob, {{"Authorization", "Bearer " + alice}}).ok);
    auto welcome = w.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    CHECK(json_doc(*welcome).str("/user_id") == "alice");
  }
  {
    INFO("a too long ?token= is refused, not taken as no token");
    sio_client s;
    CHECK(refused_code(s, b, "", "token=" + std::string(9000, 'a')) == "AUTH_FAILED");
  }
}

TEST_CASE("optional mode: no token is a guest with auth.guest-roles; a token is its sub; a bad one is refused") {
  auth_broker b("optional");
  {
    sio_client s;
    auto opened = s.open_and_connect(b.host(), b.port());
    REQUIRE_MESSAGE(opened, opened.error());
    auto welcome = s.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    json_doc j(*welcome);
    CHECK(j.str("/user_id") == "anon-" + j.str("/sid"));
    CHECK(j.text("/roles") == R"(["guest"])");
  }
  {
    json_ws_client w;
    REQUIRE(w.connect(b.host(), b.port()).ok);
    auto welcome = w.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    CHECK(json_doc(*welcome).str("/user_id").starts_with("anon-"));
    CHECK(json_doc(*welcome).text("/roles") == R"(["guest"])");
  }
  {
    sio_client s;
    auto welcome = connect_with_token(s, b, b.token("carol", {"trader"}));
    CHECK(json_doc(welcome).str("/user_id") == "carol");
    CHECK(json_doc(welcome).text("/roles") == R"(["trader"])");
  }
  {
    sio_client s;
    CHECK(refused_code(s, b, R"({"token":)" + json_quote(b.token("carol", {"trader"}, -120)) + "}")
          == "AUTH_TOKEN_EXPIRED");
  }
  {
    json_ws_client w;
    REQUIRE(w.connect(b.host(), b.port(), "token=" + b.foreign_token("carol", {"admin"})).ok);
    auto err = w.wait_event("error");
    REQUIRE_MESSAGE(err, err.error());
    CHECK(json_doc(*err).str("/error_code") == "AUTH_FAILED");
  }
}

TEST_CASE("jwt mode: a parked session is not handed to another user; its own user still recovers it") {
  auth_broker b;
  auto alice = b.token("alice", {"viewer"});
  sio_client a;
  auto opened = a.open(b.host(), b.port());
  REQUIRE_MESSAGE(opened, opened.error());
  auto reply = a.connect_namespace("/", R"({"token":)" + json_quote(alice) + "}");
  REQUIRE_MESSAGE(reply, reply.error());
  REQUIRE(reply->accepted);
  json_doc first(reply->data);
  REQUIRE(first.is_string("/pid"));
  auto sid = first.str("/sid");
  auto pid = first.str("/pid");
  REQUIRE(a.wait_event("connect_response"));
  a.drop(); // a dead link: the session parks

  // Mallory holds alice's pid and her own valid token: a fresh session as mallory.
  std::this_thread::sleep_for(200ms);
  sio_client m;
  REQUIRE(m.open(b.host(), b.port()));
  auto stolen = m.connect_namespace("/", R"({"token":)" + json_quote(b.token("mallory", {"admin"}))
                                           + R"(,"pid":")" + pid + "\"}");
  REQUIRE_MESSAGE(stolen, stolen.error());
  REQUIRE(stolen->accepted);
  CHECK(json_doc(stolen->data).str("/sid") != sid);
  auto mw = m.wait_event("connect_response");
  REQUIRE_MESSAGE(mw, mw.error());
  CHECK(json_doc(*mw).str("/user_id") == "mallory");
  CHECK(json_doc(*mw).boolean("/recovered") == false);

  // A guest (no token) with the pid: refused too (jwt mode: AUTH_REQUIRED first).
  sio_client g;
  CHECK(refused_code(g, b, R"({"pid":")" + pid + "\"}") == "AUTH_REQUIRED");

  // Alice, with a fresh token of hers, gets her session back.
  sio_client back;
  REQUIRE(back.open(b.host(), b.port()));
  auto mine = back.connect_namespace("/", R"({"token":)" + json_quote(b.token("alice", {"trader"}))
                                            + R"(,"pid":")" + pid + "\"}");
  REQUIRE_MESSAGE(mine, mine.error());
  REQUIRE(mine->accepted);
  CHECK(json_doc(mine->data).str("/sid") == sid);
  auto bw = back.wait_event("connect_response");
  REQUIRE_MESSAGE(bw, bw.error());
  CHECK(json_doc(*bw).str("/user_id") == "alice");
  CHECK(json_doc(*bw).boolean("/recovered") == true);
  CHECK(json_doc(*bw).text("/roles") == R"(["trader"])"); // the new token's roles
}
