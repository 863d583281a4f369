// Configured limits: each breach gets its error and the connection stays usable.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/json_doc.hpp"

#include <thread>

using namespace qc::test;

TEST_CASE("joining more rooms than limits.max-rooms-per-connection is SUBSCRIPTION_FAILED") {
  broker_under_test broker({"--limits.max-rooms-per-connection=2"});
  sio_client c;
  connect_as(c, broker, "ann");
  join_room(c, "r1");
  join_room(c, "r2");
  REQUIRE(c.emit("subscribe", R"({"room":"r3"})", 1));
  auto refused = c.wait_ack(1);
  REQUIRE_MESSAGE(refused, refused.error());
  CHECK(json_doc(*refused).str("/error_code") == "SUBSCRIPTION_FAILED");
  CHECK(json_doc(*refused).boolean("/ok") == false);
  // Leaving one makes room for another.
  REQUIRE(c.emit("unsubscribe", R"({"room":"r1"})"));
  REQUIRE(c.wait_event("unsubscribed"));
  CHECK(join_room(c, "r3") == 1);
}

TEST_CASE("events beyond limits.events-per-second are RATE_LIMIT_EXCEEDED") {
  broker_under_test broker({"--limits.events-per-second=5"});
  sio_client c;
  connect_as(c, broker, "ann");
  // The bucket starts full (burst 5): a burst of 10 lets about 5 through.
  for (int i = 0; i < 10; ++i) REQUIRE(c.emit("ping", "{}"));
  c.read_for(std::chrono::milliseconds(500));
  int pongs = 0;
  int limited = 0;
  while (c.wait_event("pong", std::chrono::milliseconds(1))) ++pongs;
  while (auto err = c.wait_event("error", std::chrono::milliseconds(1))) {
    CHECK(json_doc(*err).str("/error_code") == "RATE_LIMIT_EXCEEDED");
    ++limited;
  }
  CHECK(pongs >= 5);
  CHECK(pongs <= 6);  // one token may have been refilled meanwhile
  CHECK(pongs + limited == 10);
  // Tokens come back with time.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  REQUIRE(c.emit("ping", "{}"));
  CHECK(c.wait_event("pong"));
  CHECK(c.is_open());
}
