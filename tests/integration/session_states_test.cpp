// The session's states (actors/session/session_state.hpp) seen from a client: what a
// session does after a goodbye on a socket that stays open.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>

using namespace qc::test;

TEST_CASE("after DISCONNECT, a CONNECT on the same connection opens a live session again") {
  broker_under_test broker;
  sio_client back;
  sio_client sender;
  connect_as(back, broker, "returner");
  connect_as(sender, broker, "sender");
  CHECK(join_room(back, "lobby") == 1);

  REQUIRE(back.send_raw("41"));  // DISCONNECT: a goodbye, the socket stays open
  REQUIRE(back.send_raw("40"));  // and CONNECT again on it
  auto welcome = back.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  CHECK(json_doc(*welcome).str("/user_id") == "returner");
  CHECK(join_room(back, "lobby") == 1); // its saved room came back with the new session
  CHECK(join_room(sender, "lobby") == 2);

  // Its room packets reach the socket again, not the user's offline queue.
  REQUIRE(sender.emit("room_message", text_message("lobby", "welcome back")));
  auto msg = back.wait_event("room_message");
  REQUIRE_MESSAGE(msg, msg.error());
  CHECK(json_doc(*msg).str("/content") == "welcome back");
  CHECK(json_doc(*msg).has("/offline") == false);
}
