// Client -> server events other than rooms: ping, request, unknown events, and the ack
// contract (reply payload + "ok":true, or the error object + "ok":false).
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/json_doc.hpp"

using namespace qc::test;

TEST_CASE("ping is answered with pong") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "u1");
  REQUIRE(c.emit("ping", R"({"hello":1})"));
  auto pong = c.wait_event("pong");
  REQUIRE_MESSAGE(pong, pong.error());
  json_doc j(*pong);
  CHECK(j.str("/type") == "pong");
  CHECK(j.integer("/timestamp").value_or(0) > 1700000000000);
  CHECK(j.integer("/server_time").value_or(0) > 1700000000000);
}

TEST_CASE("an unknown event gets error INVALID_ACTION and the connection stays") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "u1");
  REQUIRE(c.emit("no_such_event", "{}"));
  auto err = c.wait_event("error");
  REQUIRE_MESSAGE(err, err.error());
  json_doc j(*err);
  CHECK(j.str("/error_code") == "INVALID_ACTION");
  CHECK(j.is_string("/message"));
  REQUIRE(c.emit("ping", "{}"));
  CHECK(c.wait_event("pong"));
}

TEST_CASE("acks carry the reply payload plus ok:true") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "acker");

  REQUIRE(c.emit("subscribe", R"({"room":"acked"})", 1));
  auto sub = c.wait_ack(1);
  REQUIRE_MESSAGE(sub, sub.error());
  json_doc s(*sub);
  CHECK(s.str("/room") == "acked");
  CHECK(s.str("/status") == "subscribed");
  CHECK(s.integer("/members") == 1);
  CHECK(s.boolean("/ok") == true);

  REQUIRE(c.emit("ping", "{}", 77));
  auto pong = c.wait_ack(77);
  REQUIRE_MESSAGE(pong, pong.error());
  json_doc p(*pong);
  CHECK(p.str("/type") == "pong");
  CHECK(p.is_integer("/server_time"));
  CHECK(p.boolean("/ok") == true);

  REQUIRE(c.emit("unsubscribe", R"({"room":"acked"})", 4294967296));  // ids are not limited to 32 bits
  auto unsub = c.wait_ack(4294967296);
  REQUIRE_MESSAGE(unsub, unsub.error());
  json_doc u(*unsub);
  CHECK(u.str("/room") == "acked");
  CHECK(u.str("/status") == "unsubscribed");
  CHECK(u.boolean("/ok") == true);
}

TEST_CASE("acks of failed events carry the error object plus ok:false") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "acker");

  REQUIRE(c.emit("room_message", text_message("not-joined", "hi"), 2));
  auto not_found = c.wait_ack(2);
  REQUIRE_MESSAGE(not_found, not_found.error());
  json_doc nf(*not_found);
  CHECK(nf.str("/error_code") == "ROOM_NOT_FOUND");
  CHECK(nf.is_string("/message"));
  CHECK(nf.boolean("/ok") == false);

  REQUIRE(c.emit("frobnicate", "{}", 3));
  auto unknown = c.wait_ack(3);
  REQUIRE_MESSAGE(unknown, unknown.error());
  CHECK(json_doc(*unknown).str("/error_code") == "INVALID_ACTION");
  CHECK(json_doc(*unknown).boolean("/ok") == false);

  REQUIRE(c.emit("subscribe", R"({"room":"bad room!"})", 5));
  auto invalid = c.wait_ack(5);
  REQUIRE_MESSAGE(invalid, invalid.error());
  CHECK(json_doc(*invalid).str("/error_code") == "INVALID_PARAMETERS");
  CHECK(json_doc(*invalid).boolean("/ok") == false);
}

TEST_CASE("request list_rooms, room_members and get_subscriptions answer with response") {
  broker_under_test broker;
  sio_client a;
  sio_client b;
  const std::string sid_a = connect_as(a, broker, "ann");
  const std::string sid_b = connect_as(b, broker, "ben");
  join_room(a, "alpha");
  join_room(a, "beta");
  join_room(b, "alpha");
  join_room(b, "gamma");

  REQUIRE(a.emit("request", R"({"type":"request","request_id":"r1","action":"list_rooms","trace_id":"t-1"})"));
  auto rooms = a.wait_event("response");
  REQUIRE_MESSAGE(rooms, rooms.error());
  json_doc r(*rooms);
  CHECK(r.str("/type") == "response");
  CHECK(r.str("/request_id") == "r1");
  CHECK(r.boolean("/success") == true);
  CHECK(r.str("/trace_id") == "t-1");
  CHECK(r.is_integer("/timestamp"));
  CHECK(r.is_integer("/server_time"));
  // The shape of `data` is not fixed by PROTOCOL.md; every room must be named in it.
  const std::string rooms_data = r.text("/data");
  CAPTURE(rooms_data);
  CHECK(rooms_data.find("\"alpha\"") != std::string::npos);
  CHECK(rooms_data.find("\"beta\"") != std::string::npos);
  CHECK(rooms_data.find("\"gamma\"") != std::string::npos);

  REQUIRE(a.emit("request", R"({"type":"request","request_id":"r2","action":"room_members","payload":{"room":"alpha"}})"));
  auto members = a.wait_event("response");
  REQUIRE_MESSAGE(members, members.error());
  json_doc m(*members);
  CHECK(m.str("/request_id") == "r2");
  CHECK(m.boolean("/success") == true);
  const std::string members_data = m.text("/data");
  CAPTURE(members_data);
  CHECK(members_data.find("\"ann\"") != std::string::npos);
  CHECK(members_data.find("\"ben\"") != std::string::npos);

  REQUIRE(b.emit("request", R"({"type":"request","request_id":"r3","action":"get_subscriptions"})", 9));
  auto subs = b.wait_ack(9);
  REQUIRE_MESSAGE(subs, subs.error());
  json_doc s(*subs);
  CHECK(s.str("/type") == "response");
  CHECK(s.str("/request_id") == "r3");
  CHECK(s.boolean("/ok") == true);
  const std::string subs_data = s.text("/data");
  CAPTURE(subs_data);
  CHECK(subs_data.find("\"alpha\"") != std::string::npos);
  CHECK(subs_data.find("\"gamma\"") != std::string::npos);
  CHECK(subs_data.find("\"beta\"") == std::string::npos);  // ann's room, not ben's
}

TEST_CASE("a request with an unknown action gets an error response") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "u1");
  REQUIRE(c.emit("request", R"({"type":"request","request_id":"q9","action":"launch_rockets"})"));
  auto resp = c.wait_event("response");
  REQUIRE_MESSAGE(resp, resp.error());
  json_doc j(*resp);
  CHECK(j.str("/type") == "error");
  CHECK(j.str("/request_id") == "q9");
  CHECK(j.is_string("/error_code"));
  CHECK(j.is_string("/error_message"));
}
