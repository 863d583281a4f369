// The plain-JSON endpoint /ws (PROTOCOL.md section 6): same events and payloads as
// Socket.IO, framed as {"event","data","id"} and {"ack","data"}.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/json_doc.hpp"

using namespace qc::test;
using namespace std::chrono_literals;

TEST_CASE("/ws: connect_response first, then subscribe, messages and acks") {
  broker_under_test broker;
  json_ws_client w;
  auto c = w.connect(broker.host(), broker.port(), "user_id=wendy");
  REQUIRE_MESSAGE(c.ok, c.error);
  auto welcome = w.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  json_doc hello(*welcome);
  CHECK(hello.str("/status") == "connected");
  CHECK(hello.str("/user_id") == "wendy");
  CHECK(hello.text("/roles") == R"(["trader","publisher","admin"])");

  REQUIRE(w.send("subscribe", R"({"room":"mixed"})", 7));
  auto ack = w.wait_ack(7);
  REQUIRE_MESSAGE(ack, ack.error());
  json_doc a(*ack);
  CHECK(a.str("/room") == "mixed");
  CHECK(a.str("/status") == "subscribed");
  CHECK(a.integer("/members") == 1);
  CHECK(a.boolean("/ok") == true);

  // A Socket.IO client in the same room: messages cross between the two transports.
  sio_client s;
  connect_as(s, broker, "sam");
  CHECK(join_room(s, "mixed") == 2);
  auto joined = w.wait_event("room_member_joined");
  REQUIRE_MESSAGE(joined, joined.error());
  CHECK(json_doc(*joined).str("/user_id") == "sam");

  REQUIRE(s.emit("room_message", text_message("mixed", "from socket.io")));
  auto got = w.wait_event("room_message");
  REQUIRE_MESSAGE(got, got.error());
  CHECK(json_doc(*got).str("/content") == "from socket.io");
  CHECK(json_doc(*got).str("/sender_id") == "sam");
  CHECK(json_doc(*got).str("/room_id") == "mixed");

  REQUIRE(w.send("room_message", text_message("mixed", "from /ws")));
  auto back = s.wait_event("room_message");  // skips sam's own message, buffered first
  REQUIRE_MESSAGE(back, back.error());
  CHECK(json_doc(*back).str("/content") == "from socket.io");
  back = s.wait_event("room_message");
  REQUIRE_MESSAGE(back, back.error());
  CHECK(json_doc(*back).str("/content") == "from /ws");
  CHECK(json_doc(*back).str("/sender_id") == "wendy");

  REQUIRE(w.send("ping", "{}"));
  auto pong = w.wait_event("pong");
  REQUIRE_MESSAGE(pong, pong.error());
  CHECK(json_doc(*pong).str("/type") == "pong");

  REQUIRE(w.send("nonsense", "{}", 8));
  auto unknown = w.wait_ack(8);
  REQUIRE_MESSAGE(unknown, unknown.error());
  CHECK(json_doc(*unknown).str("/error_code") == "INVALID_ACTION");
  CHECK(json_doc(*unknown).boolean("/ok") == false);
}

TEST_CASE("/ws: malformed JSON gets INVALID_MESSAGE_FORMAT and the connection stays open") {
  broker_under_test broker;
  json_ws_client w;
  REQUIRE(w.connect(broker.host(), broker.port(), "user_id=wendy").ok);
  REQUIRE(w.wait_event("connect_response"));
  for (const std::string bad : {"{not json", "[1,2,3]", R"({"data":{}})", "42"}) {
    INFO("frame: " << bad);
    REQUIRE(w.send_raw(bad));
    auto err = w.wait_event("error");
    REQUIRE_MESSAGE(err, err.error());
    CHECK(json_doc(*err).str("/error_code") == "INVALID_MESSAGE_FORMAT");
  }
  REQUIRE(w.send("ping", "{}"));
  CHECK(w.wait_event("pong"));
  CHECK(w.is_open());
}

TEST_CASE("/ws: a frame over the payload limit closes with 1009") {
  broker_under_test broker({"--engineio.max-payload=2048"});
  json_ws_client w;
  REQUIRE(w.connect(broker.host(), broker.port()).ok);
  REQUIRE(w.wait_event("connect_response"));
  REQUIRE(w.send("ping", "\"" + std::string(4000, 'x') + "\""));
  auto closed = w.wait_closed(3s);
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK_MESSAGE(closed->close_code == 1009, closed->describe());
  json_ws_client next;
  REQUIRE(next.connect(broker.host(), broker.port()).ok);
  CHECK(next.wait_event("connect_response"));
}
