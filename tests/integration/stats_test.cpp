// /stats after a known sequence of actions: every number is predictable.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

using namespace qc::test;

namespace {

json_doc fetch_stats(broker_under_test& broker) {
  auto r = http_get(broker.host(), broker.port(), "/stats");
  REQUIRE_MESSAGE(r.status == 200, r.describe());
  json_doc j(r.body);
  REQUIRE_MESSAGE(j.ok(), r.body);
  return j;
}

// JSON Pointer of the entry for `key` in a collection that is either an object keyed by
// name or an array of objects naming themselves in `id_field`.
std::string entry(const json_doc& j, const std::string& collection, const std::string& id_field,
                  const std::string& key) {
  if (j.is_object(collection)) return collection + "/" + key;
  for (long i = 0; i < j.size(collection); ++i) {
    std::string p = collection + "/" + std::to_string(i);
    if (j.str(p + "/" + id_field) == key) return p;
  }
  return collection + "/<no entry " + key + ">";
}

}  // namespace

TEST_CASE("/stats counts connections, users, rooms and messages exactly") {
  broker_under_test broker;
  sio_client a;
  sio_client b;
  sio_client a2;
  const std::string sid_a = connect_as(a, broker, "ann");
  const std::string sid_b = connect_as(b, broker, "ben");
  const std::string sid_a2 = connect_as(a2, broker, "ann");  // same user, second connection

  join_room(a, "alpha");
  join_room(a, "beta");
  join_room(b, "alpha");
  join_room(b, "beta");
  for (const char* text : {"one", "two"}) REQUIRE(a.emit("room_message", text_message("alpha", text)));
  REQUIRE(b.emit("room_message", text_message("alpha", "three")));
  for (int i = 0; i < 3; ++i) {
    REQUIRE(a.wait_event("room_message"));
    REQUIRE(b.wait_event("room_message"));
  }
  REQUIRE(b.emit("unsubscribe", R"({"room":"beta"})"));
  REQUIRE(b.wait_event("unsubscribed"));
  REQUIRE(a.wait_event("room_member_left"));
  REQUIRE(a.emit("room_message", text_message("beta", "four")));
  REQUIRE(a.wait_event("room_message"));
  // Everything ann's first connection was sent: connect_response, 2 subscribed,
  // 2 room_member_joined, 4 room_message, 1 room_member_left.
  REQUIRE(a.wait_event("room_member_joined"));
  REQUIRE(a.wait_event("room_member_joined"));

  json_doc s = fetch_stats(broker);
  CAPTURE(s.source());
  CHECK(s.integer("/connections/total_connections") == 3);
  CHECK(s.integer("/connections/total_users") == 2);
  CHECK(s.integer("/rooms/total_rooms") == 2);
  CHECK(s.integer("/rooms/active_rooms") == 2);

  const std::string alpha = entry(s, "/rooms/rooms", "room", "alpha");
  CHECK(s.integer(alpha + "/members") == 2);
  CHECK(s.integer(alpha + "/joins") == 2);
  CHECK(s.integer(alpha + "/leaves") == 0);
  CHECK(s.integer(alpha + "/messages") == 3);
  const std::string beta = entry(s, "/rooms/rooms", "room", "beta");
  CHECK(s.integer(beta + "/members") == 1);
  CHECK(s.integer(beta + "/joins") == 2);
  CHECK(s.integer(beta + "/leaves") == 1);
  CHECK(s.integer(beta + "/messages") == 1);

  // messages_in/messages_out count WebSocket messages, not just events: in = events +
  // the CONNECT packet; out = events + the Engine.IO open packet + the CONNECT reply.
  const std::string conn_a = entry(s, "/connections/connections", "sid", sid_a);
  const std::string conn_b = entry(s, "/connections/connections", "sid", sid_b);
  const std::string conn_a2 = entry(s, "/connections/connections", "sid", sid_a2);
  CHECK(s.str(conn_a + "/user_id") == "ann");
  CHECK(s.str(conn_b + "/user_id") == "ben");
  CHECK(s.integer(conn_a + "/messages_in") == 5 + 1);
  CHECK(s.integer(conn_b + "/messages_in") == 4 + 1);
  CHECK(s.integer(conn_a2 + "/messages_in") == 0 + 1);
  CHECK(s.integer(conn_a + "/messages_out") == 10 + 2);
  CHECK(s.integer(conn_b + "/messages_out") == 7 + 2);
  CHECK(s.integer(conn_a2 + "/messages_out") == 1 + 2);
  CHECK(s.integer("/connections/per_user/ann") == 2);
  CHECK(s.integer("/connections/per_user/ben") == 1);

  // A connection that goes away is no longer counted, nor is its membership.
  b.close();
  REQUIRE(a.wait_event("room_member_left"));
  json_doc after = fetch_stats(broker);
  CAPTURE(after.source());
  CHECK(after.integer("/connections/total_connections") == 2);
  CHECK(after.integer("/connections/total_users") == 1);
  CHECK(after.integer(entry(after, "/rooms/rooms", "room", "alpha") + "/members") == 1);
}
