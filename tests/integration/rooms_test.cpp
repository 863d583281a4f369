// Rooms: joining, leaving, who receives a room_message, and member notifications.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>

using namespace qc::test;

namespace {
constexpr std::chrono::milliseconds kQuiet{400};  // how long "nothing arrives" is watched

// Waits for a room_message and checks where it came from and what it says.
void expect_room_message(sio_client& c, const std::string& room, const std::string& sender,
                         const std::string& content) {
  auto msg = c.wait_event("room_message");
  REQUIRE_MESSAGE(msg, msg.error());
  json_doc j(*msg);
  CHECK(j.str("/room_id") == room);
  CHECK(j.str("/sender_id") == sender);
  CHECK(j.str("/content") == content);
  CHECK(j.str("/message_type") == "text");
  CHECK(j.has("/id"));
  CHECK(j.integer("/timestamp").value_or(0) > 1700000000000);
  CHECK(j.has("/metadata"));
}
}  // namespace

TEST_CASE("members receive the messages of the rooms they joined and no others") {
  broker_under_test broker;
  sio_client a;
  sio_client b;
  sio_client c;
  connect_as(a, broker, "ann");
  connect_as(b, broker, "ben");
  connect_as(c, broker, "cat");
  CHECK(join_room(a, "alpha") == 1);
  CHECK(join_room(a, "beta") == 1);
  CHECK(join_room(b, "beta") == 2);
  CHECK(join_room(c, "gamma") == 1);

  REQUIRE(a.emit("room_message", text_message("alpha", "to alpha")));
  expect_room_message(a, "alpha", "ann", "to alpha");  // the sender is a member too
  REQUIRE(a.emit("room_message", text_message("beta", "to beta")));
  expect_room_message(a, "beta", "ann", "to beta");
  expect_room_message(b, "beta", "ann", "to beta");
  REQUIRE(c.emit("room_message", text_message("gamma", "to gamma")));
  expect_room_message(c, "gamma", "cat", "to gamma");

  CHECK(a.expect_no_event("room_message", kQuiet));
  CHECK(b.expect_no_event("room_message", kQuiet));  // not in alpha nor gamma
  CHECK(c.expect_no_event("room_message", kQuiet));
}

TEST_CASE("after unsubscribe a connection gets no more messages of that room") {
  broker_under_test broker;
  sio_client a;
  sio_client b;
  const std::string sid_a = connect_as(a, broker, "ann");
  connect_as(b, broker, "ben");
  join_room(a, "beta");
  join_room(b, "beta");
  join_room(a, "alpha");

  REQUIRE(a.emit("unsubscribe", R"({"room":"beta"})"));
  auto unsub = a.wait_event("unsubscribed");
  REQUIRE_MESSAGE(unsub, unsub.error());
  json_doc u(*unsub);
  CHECK(u.str("/room") == "beta");
  CHECK(u.str("/status") == "unsubscribed");

  auto left = b.wait_event("room_member_left");
  REQUIRE_MESSAGE(left, left.error());
  json_doc l(*left);
  CHECK(l.str("/room") == "beta");
  CHECK(l.str("/sid") == sid_a);
  CHECK(l.str("/user_id") == "ann");
  CHECK(l.is_integer("/timestamp"));

  REQUIRE(b.emit("room_message", text_message("beta", "after leave")));
  expect_room_message(b, "beta", "ben", "after leave");
  CHECK(a.expect_no_event("room_message", kQuiet));

  // Sending to a room one has left is refused; alpha still works.
  REQUIRE(a.emit("room_message", text_message("beta", "still there?")));
  auto err = a.wait_event("error");
  REQUIRE_MESSAGE(err, err.error());
  CHECK(json_doc(*err).str("/error_code") == "ROOM_NOT_FOUND");
  REQUIRE(a.emit("room_message", text_message("alpha", "alpha ok")));
  expect_room_message(a, "alpha", "ann", "alpha ok");
  CHECK(b.expect_no_event("room_message", kQuiet));
}

TEST_CASE("a room_message to a room the sender has not joined is ROOM_NOT_FOUND") {
  broker_under_test broker;
  sio_client a;
  sio_client b;
  connect_as(a, broker, "ann");
  connect_as(b, broker, "ben");
  join_room(b, "private");
  REQUIRE(a.emit("room_message", text_message("private", "let me in")));
  auto err = a.wait_event("error");
  REQUIRE_MESSAGE(err, err.error());
  json_doc j(*err);
  CHECK(j.str("/error_code") == "ROOM_NOT_FOUND");
  CHECK(j.is_string("/message"));
  CHECK(b.expect_no_event("room_message", kQuiet));
}

TEST_CASE("room_member_joined and room_member_left go to the other members only") {
  broker_under_test broker;
  sio_client a;
  sio_client b;
  sio_client outsider;
  connect_as(a, broker, "ann");
  const std::string sid_b = connect_as(b, broker, "ben");
  connect_as(outsider, broker, "oscar");
  join_room(a, "lobby");
  join_room(outsider, "elsewhere");

  CHECK(join_room(b, "lobby") == 2);
  auto joined = a.wait_event("room_member_joined");
  REQUIRE_MESSAGE(joined, joined.error());
  json_doc j(*joined);
  CHECK(j.str("/room") == "lobby");
  CHECK(j.str("/sid") == sid_b);
  CHECK(j.str("/user_id") == "ben");
  CHECK(j.integer("/timestamp").value_or(0) > 1700000000000);
  CHECK(b.expect_no_event("room_member_joined", kQuiet));
  CHECK(outsider.expect_no_event("room_member_joined", kQuiet));

  REQUIRE(b.emit("unsubscribe", R"({"room":"lobby"})"));
  REQUIRE(b.wait_event("unsubscribed"));
  auto left = a.wait_event("room_member_left");
  REQUIRE_MESSAGE(left, left.error());
  json_doc l(*left);
  CHECK(l.str("/room") == "lobby");
  CHECK(l.str("/sid") == sid_b);
  CHECK(l.str("/user_id") == "ben");
  CHECK(b.expect_no_event("room_member_left", kQuiet));
  CHECK(outsider.expect_no_event("room_member_left", kQuiet));
}

TEST_CASE("a disconnecting member is announced as room_member_left") {
  broker_under_test broker;
  sio_client a;
  connect_as(a, broker, "ann");
  join_room(a, "lobby");
  std::string sid_b;
  {
    sio_client b;
    sid_b = connect_as(b, broker, "ben");
    join_room(b, "lobby");
    REQUIRE(a.wait_event("room_member_joined"));
    b.drop();  // no close frame, no DISCONNECT packet
  }
  auto left = a.wait_event("room_member_left");
  REQUIRE_MESSAGE(left, left.error());
  CHECK(json_doc(*left).str("/sid") == sid_b);
  CHECK(json_doc(*left).str("/user_id") == "ben");
}

TEST_CASE("every connection of a user gets room messages targeted at that user") {
  broker_under_test broker;
  sio_client u1_first;
  sio_client u1_second;
  sio_client u2;
  sio_client u3;
  const std::string sid1 = connect_as(u1_first, broker, "u1");
  const std::string sid2 = connect_as(u1_second, broker, "u1");
  CHECK(sid1 != sid2);
  connect_as(u2, broker, "u2");
  connect_as(u3, broker, "u3");
  for (auto* c : {&u1_first, &u1_second, &u2, &u3}) join_room(*c, "desk");

  REQUIRE(u2.emit("room_message",
                  R"({"room":"desk","content":"for u1","message_type":"notification","target":{"user_id":"u1"}})"));
  for (auto* c : {&u1_first, &u1_second}) {
    auto msg = c->wait_event("room_message");
    REQUIRE_MESSAGE(msg, msg.error());
    json_doc j(*msg);
    CHECK(j.str("/content") == "for u1");
    CHECK(j.str("/message_type") == "notification");
    CHECK(j.str("/sender_id") == "u2");
    CHECK(j.str("/room_id") == "desk");
  }
  CHECK(u2.expect_no_event("room_message", kQuiet));  // the sender is not in the target
  CHECK(u3.expect_no_event("room_message", kQuiet));

  // An untargeted message reaches all four connections.
  REQUIRE(u3.emit("room_message", text_message("desk", "for all")));
  for (auto* c : {&u1_first, &u1_second, &u2, &u3}) expect_room_message(*c, "desk", "u3", "for all");
}

TEST_CASE("room messages targeted at a role reach only holders of that role") {
  // Without admin (which the harness adds for /stats): the message targets admins.
  broker_under_test broker({"--auth.default-roles=[\"trader\",\"publisher\"]"});
  sio_client a;
  sio_client b;
  connect_as(a, broker, "ann");
  connect_as(b, broker, "ben");
  join_room(a, "ops");
  join_room(b, "ops");
  // Everyone holds the default roles trader and publisher; nobody is admin.
  REQUIRE(a.emit("room_message", R"({"room":"ops","content":"admins only","message_type":"alert","target":{"role":"admin"}})"));
  CHECK(a.expect_no_event("room_message", kQuiet));
  CHECK(b.expect_no_event("room_message", kQuiet));
  REQUIRE(a.emit("room_message", R"({"room":"ops","content":"traders","message_type":"alert","target":{"role":"trader"}})"));
  for (auto* c : {&a, &b}) {
    auto msg = c->wait_event("room_message");
    REQUIRE_MESSAGE(msg, msg.error());
    CHECK(json_doc(*msg).str("/content") == "traders");
    CHECK(json_doc(*msg).str("/message_type") == "alert");
  }
}

TEST_CASE("room names are validated and invalid ones create nothing") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "ann");
  const std::string longest(128, 'r');
  CHECK(join_room(c, longest) == 1);
  CHECK(join_room(c, "market_600519.SH:x-y") == 1);

  const std::vector<std::string> invalid = {
      R"({})",                                      // no room
      R"({"room":""})",                             // empty
      R"({"room":")" + std::string(129, 'r') + "\"}",  // too long
      R"({"room":"has space"})",                    // bad character
      R"({"room":"caf\u00e9"})",                    // non-ASCII
      R"({"room":42})",                             // not a string
      R"("alpha")",                                 // payload not an object
  };
  for (const auto& payload : invalid) {
    CAPTURE(payload);
    REQUIRE(c.emit("subscribe", payload));
    auto err = c.wait_event("error");
    REQUIRE_MESSAGE(err, err.error());
    CHECK(json_doc(*err).str("/error_code") == "INVALID_PARAMETERS");
  }
  CHECK(c.expect_no_event("subscribed", kQuiet));

  REQUIRE(c.emit("request", R"({"type":"request","request_id":"l","action":"list_rooms"})"));
  auto rooms = c.wait_event("response");
  REQUIRE_MESSAGE(rooms, rooms.error());
  const std::string data = json_doc(*rooms).text("/data");
  CAPTURE(data);
  CHECK(data.find("has space") == std::string::npos);
  CHECK(data.find(std::string(129, 'r')) == std::string::npos);
}
