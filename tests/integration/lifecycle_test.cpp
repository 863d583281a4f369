// Process lifecycle: the broker starts on --port=0 and shuts down in order on SIGTERM.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

using namespace qc::test;
using namespace std::chrono_literals;

TEST_CASE("SIGTERM closes clients with 1001 going away and exits with status 0") {
  broker_under_test broker;
  sio_client sio;
  connect_as(sio, broker, "ann");
  join_room(sio, "lobby");
  json_ws_client plain;
  REQUIRE(plain.connect(broker.host(), broker.port(), "user_id=wendy").ok);
  REQUIRE(plain.wait_event("connect_response"));

  const exit_status st = broker.process().terminate(10s);
  CHECK_MESSAGE(st.clean(), st.describe() << "\n" << broker.process().output_tail());

  auto closed = sio.wait_closed(3s);
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK_MESSAGE(closed->close_code == 1001, closed->describe());
  auto plain_closed = plain.wait_closed(3s);
  REQUIRE_MESSAGE(plain_closed, plain_closed.error());
  CHECK_MESSAGE(plain_closed->close_code == 1001, plain_closed->describe());
}

TEST_CASE("two brokers with --port=0 get different ports and separate state") {
  broker_under_test first;
  broker_under_test second;
  CHECK(first.port() != second.port());
  sio_client a;
  connect_as(a, first, "ann");
  join_room(a, "only-on-first");
  auto stats = http_get(second.host(), second.port(), "/stats");
  REQUIRE(stats.status == 200);
  CHECK(json_doc(stats.body).integer("/connections/total_connections") == 0);
  CHECK(json_doc(stats.body).integer("/rooms/total_rooms") == 0);
}
