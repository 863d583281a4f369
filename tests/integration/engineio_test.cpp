// Engine.IO and Socket.IO session level: handshake, heartbeats, namespaces, timeouts.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>

using namespace qc::test;
using clock_type = std::chrono::steady_clock;

namespace {
long elapsed_ms(clock_type::time_point since) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since).count());
}
}  // namespace

TEST_CASE("the open packet carries the default Engine.IO settings") {
  broker_under_test broker;
  sio_client c;
  auto h = c.open(broker.host(), broker.port());
  REQUIRE_MESSAGE(h, h.error());
  CHECK_FALSE(h->sid.empty());
  json_doc raw(h->raw);
  CHECK(raw.is_array("/upgrades"));
  CHECK(raw.size("/upgrades") == 0);
  CHECK(h->ping_interval == 25000);
  CHECK(h->ping_timeout == 20000);
  CHECK(h->max_payload == 1000000);
}

TEST_CASE("the open packet reflects the engineio flags") {
  broker_under_test broker({"--engineio.ping-interval=1500", "--engineio.ping-timeout=1200",
                            "--engineio.max-payload=4096"});
  sio_client c;
  auto h = c.open(broker.host(), broker.port());
  REQUIRE_MESSAGE(h, h.error());
  CHECK(h->ping_interval == 1500);
  CHECK(h->ping_timeout == 1200);
  CHECK(h->max_payload == 4096);
}

TEST_CASE("CONNECT is answered with a socket sid and then connect_response") {
  broker_under_test broker;
  sio_client c;
  REQUIRE(c.open(broker.host(), broker.port()));
  auto reply = c.connect_namespace("/");
  REQUIRE_MESSAGE(reply, reply.error());
  CHECK(reply->accepted);
  json_doc connect_data(reply->data);
  REQUIRE(connect_data.is_string("/sid"));
  const std::string sid = connect_data.str("/sid");
  CHECK_FALSE(sid.empty());

  auto welcome = c.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  json_doc j(*welcome);
  CHECK(j.str("/status") == "connected");
  CHECK(j.str("/sid") == sid);
  // No X-User-Id and no user_id parameter: an anonymous identity.
  CHECK(j.str("/user_id") == "anon-" + sid);
  CHECK(j.text("/roles") == R"(["trader","publisher","admin"])");
  CHECK(j.is_integer("/server_time"));
  CHECK(j.integer("/server_time").value_or(0) > 1700000000000);  // milliseconds, not seconds
  // Sent once, to this connection only.
  CHECK(c.expect_no_event("connect_response", std::chrono::milliseconds(300)));
}

TEST_CASE("identity comes from X-User-Id or the user_id query parameter") {
  broker_under_test broker;
  sio_client by_header;
  REQUIRE(by_header.open_and_connect(broker.host(), broker.port(), "", {{"X-User-Id", "alice"}}));
  auto a = by_header.wait_event("connect_response");
  REQUIRE_MESSAGE(a, a.error());
  CHECK(json_doc(*a).str("/user_id") == "alice");

  sio_client by_query;
  REQUIRE(by_query.open_and_connect(broker.host(), broker.port(), "user_id=bob"));
  auto b = by_query.wait_event("connect_response");
  REQUIRE_MESSAGE(b, b.error());
  CHECK(json_doc(*b).str("/user_id") == "bob");
}

TEST_CASE("answered pings keep the connection open") {
  broker_under_test broker({"--engineio.ping-interval=200", "--engineio.ping-timeout=300"});
  sio_client c;
  connect_as(c, broker, "pinger");
  CHECK(c.read_for(std::chrono::milliseconds(1500)));  // answers every ping on the way
  CHECK(c.pings_received() >= 5);
  CHECK(c.pings_received() <= 9);
  CHECK(c.is_open());
  REQUIRE(c.emit("ping", "{}"));
  auto pong = c.wait_event("pong");
  CHECK_MESSAGE(pong, pong.error());
}

TEST_CASE("a client that stops answering pings is disconnected after pingInterval + pingTimeout") {
  broker_under_test broker({"--engineio.ping-interval=300", "--engineio.ping-timeout=400"});
  sio_client c;
  // The clock starts before the handshake, so the lower bound holds however long
  // connect_as takes (under TSan it took long enough to eat into the ping timer).
  const auto start = clock_type::now();
  connect_as(c, broker, "silent");
  c.set_auto_pong(false);
  auto closed = c.wait_closed(std::chrono::seconds(4));
  REQUIRE_MESSAGE(closed, closed.error());
  const long ms = elapsed_ms(start);
  CHECK(c.pings_received() >= 1);
  CHECK(ms >= 700);   // 300 + 400 after the handshake, which comes after `start`
  CHECK(ms <= 2500);
  // The broker itself is fine.
  sio_client other;
  connect_as(other, broker, "other");
}

TEST_CASE("a session that sends no CONNECT within connect-timeout is closed") {
  broker_under_test broker({"--engineio.connect-timeout=600"});
  sio_client idle;
  const auto start = clock_type::now();
  REQUIRE(idle.open(broker.host(), broker.port()));
  sio_client active;
  connect_as(active, broker, "active");

  auto closed = idle.wait_closed(std::chrono::seconds(4));
  REQUIRE_MESSAGE(closed, closed.error());
  const long ms = elapsed_ms(start);
  CHECK(ms >= 500);
  CHECK(ms <= 2500);
  // A connected socket is not subject to the connect timeout.
  CHECK(active.read_for(std::chrono::milliseconds(600)));
  REQUIRE(active.emit("ping", "{}"));
  CHECK(active.wait_event("pong"));
}

TEST_CASE("CONNECT to an unknown namespace is refused with Invalid namespace") {
  broker_under_test broker;
  sio_client c;
  REQUIRE(c.open(broker.host(), broker.port()));
  REQUIRE(c.send_raw("40/x,"));
  auto m = c.read_raw();
  CHECK(m.data == R"(44/x,{"message":"Invalid namespace"})");
  // The Engine.IO session survives: the main namespace can still be joined.
  auto reply = c.connect_namespace("/");
  REQUIRE_MESSAGE(reply, reply.error());
  CHECK(reply->accepted);
  CHECK(c.wait_event("connect_response"));
}

TEST_CASE("the polling transport is refused with Transport unknown") {
  broker_under_test broker;
  auto r = http_get(broker.host(), broker.port(), "/socket.io/?EIO=4&transport=polling");
  CHECK(r.status == 400);
  json_doc j(r.body);
  CHECK(j.integer("/code") == 0);
  CHECK(j.str("/message") == "Transport unknown");
}

TEST_CASE("client close ends the session and the broker keeps serving") {
  broker_under_test broker;
  {
    sio_client c;
    connect_as(c, broker, "leaver");
    REQUIRE(c.send_raw("41"));  // Socket.IO DISCONNECT from the client
    c.close();
  }
  sio_client d;
  connect_as(d, broker, "next");
  CHECK(broker.process().running());
}
