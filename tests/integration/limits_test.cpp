// Configured limits: each breach gets its error and the connection stays usable.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
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

TEST_CASE("a client that stops reading is closed as a slow consumer and holds nobody up") {
  // A small outbound bound, and no rate limit in the way of the sender.
  // A long close timeout: the sloth reads only after the whole flood, which takes longer
  // than the default 5 s on a slow (sanitizer) build, and must still see the 1008.
  broker_under_test broker({"--limits.close-timeout=120000",
                            "--limits.soft-outbound-bytes=65536", "--limits.max-outbound-bytes=262144",
                            "--limits.events-per-second=100000",
                            "--limits.inbound-bytes-per-second=1000000000"});
  sio_client sloth, reader, sender;
  connect_as(sloth, broker, "sloth");
  connect_as(reader, broker, "reader");
  connect_as(sender, broker, "sender");
  join_room(sloth, "firehose");
  join_room(reader, "firehose");
  join_room(sender, "firehose");
  // Drain the membership announcements so the readers' inboxes hold only messages.
  reader.read_for(std::chrono::milliseconds(100));
  sender.read_for(std::chrono::milliseconds(100));
  while (reader.wait_event("room_member_joined", std::chrono::milliseconds(1))) {}
  // 300 messages of 60 KB: 18 MB, far past what the sloth's socket buffers and its
  // 256 KB queue hold. The sloth never reads from here on.
  const std::string bulk(60000, 'x');
  constexpr int messages = 300;
  for (int i = 0; i < messages; ++i) {
    auto content = std::to_string(i) + ":" + bulk;
    REQUIRE(sender.emit("room_message", text_message("firehose", content)));
    auto got = reader.wait_event("room_message");
    REQUIRE_MESSAGE(got, got.error());
    // In order and complete: the reader is not held back by the sloth.
    CHECK(json_doc(*got).str("/content").rfind(std::to_string(i) + ":", 0) == 0);
    REQUIRE(sender.wait_event("room_message"));
  }
  // Reading now, the sloth gets what its socket held, then the close.
  auto closed = sloth.wait_closed(std::chrono::seconds(20));
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK(closed->close_code == 1008);
  CHECK(closed->close_reason == "slow consumer");
  auto r = http_get(broker.host(), broker.port(), "/stats");
  json_doc stats(r.body);
  CHECK(stats.integer("/backpressure/slow_consumer_disconnects") == 1);
  CHECK(stats.integer("/connections/total_connections") == 2);
  CHECK(reader.is_open());
}
