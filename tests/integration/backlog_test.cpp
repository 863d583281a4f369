// Backlogs written at connect (the offline queue here) go out at the pace the client
// reads, in order and before live traffic, however much larger they are than the
// outbound bound that closes a client that does not read live traffic.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_ws_client.hpp"
#include "tests/support/json_doc.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace qc::test;

namespace {

// A notification of ~60 KB to `user`, numbered `n`; waits for the sender's response.
void send_note(sio_client& sender, const std::string& user, int n, const std::string& pad,
               std::int64_t expect_delivered, std::int64_t expect_queued) {
  auto id = "s" + std::to_string(n);
  REQUIRE(sender.emit("request", R"({"type":"request","request_id":")" + id +
                                     R"(","action":"send_to_user","payload":{"user_id":")" + user +
                                     R"(","event":"note","data":{"n":)" + std::to_string(n) +
                                     R"(,"pad":")" + pad + R"("}}})"));
  auto r = sender.wait_event("response", std::chrono::seconds(10));
  REQUIRE_MESSAGE(r, r.error());
  json_doc j(*r);
  REQUIRE(j.str("/request_id") == id);
  REQUIRE(j.boolean("/success") == true);
  CHECK(j.integer("/data/delivered") == expect_delivered);
  CHECK(j.integer("/data/queued") == expect_queued);
}

std::int64_t offline_total(broker_under_test& broker) {
  return fetch_stats(broker).integer("/offline_queue/total_offline_messages").value_or(-1);
}

}  // namespace

TEST_CASE("a user with 10 MB of queued offline messages gets all of it, in order, then live traffic") {
  // The default limits.max-outbound-bytes (8 MB) is below the backlog: written at once,
  // it closed every connect of this user as a slow consumer, for the queue's whole TTL.
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000"});
  sio_client sender;
  connect_as(sender, broker, "sender");
  const std::string pad(60000, 'x');
  constexpr int count = 170; // 170 x 60 KB: about 10 MB
  for (int n = 0; n < count; ++n) send_note(sender, "bob", n, pad, 0, 1);
  REQUIRE(offline_total(broker) == count);

  sio_client bob;
  INFO("broker output: " << broker.process().output_tail());
  connect_as(bob, broker, "bob");
  for (int n = 0; n < count; ++n) {
    auto note = bob.wait_event("notification", std::chrono::seconds(20));
    REQUIRE_MESSAGE(note, note.error());
    json_doc j(*note);
    REQUIRE(j.integer("/data/n") == n); // in order, none missing
    CHECK(j.boolean("/offline") == true);
  }
  // Live traffic comes after the backlog, and the connection is fine.
  send_note(sender, "bob", count, "live", 1, 0);
  auto live = bob.wait_event("notification");
  REQUIRE_MESSAGE(live, live.error());
  CHECK(json_doc(*live).integer("/data/n") == count);
  CHECK_FALSE(json_doc(*live).has("/offline"));
  CHECK(bob.is_open());
  // Each page was removed once written.
  for (int i = 0; i < 50 && offline_total(broker) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(offline_total(broker) == 0);
}

TEST_CASE("a client that reads none of its backlog is closed as a slow consumer after "
          "limits.backlog-drain-timeout, and what it did not get stays queued") {
  // Small pages and a short deadline; the backlog is larger than what the kernel's
  // socket buffers on loopback take in, so the pages stop draining.
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000", "--limits.backlog-page-bytes=65536",
                            "--limits.backlog-drain-timeout=1000", "--limits.close-timeout=30000",
                            // 24 MB from one sender: above the offline byte bounds' defaults
                            "--storage.offline-max-bytes-per-user=67108864",
                            "--storage.offline-max-sender-bytes=67108864"});
  sio_client sender;
  connect_as(sender, broker, "sender");
  const std::string pad(60000, 'y');
  constexpr int count = 400; // 24 MB
  for (int n = 0; n < count; ++n) send_note(sender, "sloth", n, pad, 0, 1);

  sio_client sloth;
  auto opened = sloth.open_and_connect(broker.host(), broker.port(), "", {{"X-User-Id", "sloth"}});
  REQUIRE_MESSAGE(opened, opened.error());
  std::this_thread::sleep_for(std::chrono::seconds(3)); // reads nothing meanwhile
  auto closed = sloth.wait_closed(std::chrono::seconds(30));
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK(closed->close_code == 1008);
  CHECK(closed->close_reason == "slow consumer");
  int got = 0;
  while (auto note = sloth.wait_event("notification", std::chrono::milliseconds(1))) {
    REQUIRE(json_doc(*note).integer("/data/n") == got); // in order up to where it stopped
    ++got;
  }
  CHECK(got < count);
  // What was not written is still queued: the next connection gets the rest, in order.
  sio_client again;
  connect_as(again, broker, "sloth");
  auto first = again.wait_event("notification", std::chrono::seconds(20));
  REQUIRE_MESSAGE(first, first.error());
  auto next = *json_doc(*first).integer("/data/n");
  CHECK(next <= got); // at least once: a page written but not read may come again
  for (auto n = next + 1; n < count; ++n) {
    auto note = again.wait_event("notification", std::chrono::seconds(20));
    REQUIRE_MESSAGE(note, note.error());
    REQUIRE(json_doc(*note).integer("/data/n") == n);
  }
}

TEST_CASE("restored stream snapshots larger than limits.max-outbound-bytes arrive whole, "
          "then live ticks") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000", "--limits.max-outbound-bytes=65536",
                            "--limits.soft-outbound-bytes=32768", "--limits.backlog-page-bytes=16384"});
  constexpr int streams = 30;
  const std::string pad(4000, 'p'); // 30 snapshots of ~4 KB: ~120 KB
  sio_client sam, pub;
  connect_as(sam, broker, "sam");
  connect_as(pub, broker, "pub");
  for (int i = 0; i < streams; ++i) {
    REQUIRE(sam.emit("subscribe_market_stream",
                     R"({"symbol":"S)" + std::to_string(i) + R"(","fields":["*"]})"));
    auto ok = sam.wait_event("stream_subscribed");
    REQUIRE_MESSAGE(ok, ok.error());
  }
  REQUIRE(sam.send_raw("41")); // a goodbye: the subscriptions stay saved, the session ends
  sam.close();
  for (int i = 0; i < streams; ++i) {
    REQUIRE(pub.emit("publish", R"([{"symbol":"S)" + std::to_string(i) + R"(","price":1,"pad":")" +
                                    pad + R"("}])", i + 1));
    auto ok = pub.wait_ack(i + 1);
    REQUIRE_MESSAGE(ok, ok.error());
  }

  sio_client back;
  auto opened = back.open_and_connect(broker.host(), broker.port(), "", {{"X-User-Id", "sam"}});
  REQUIRE_MESSAGE(opened, opened.error());
  auto welcome = back.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  CHECK(json_doc(*welcome).strings("/restored/streams").size() == streams);
  std::vector<bool> seen(streams, false);
  for (int i = 0; i < streams; ++i) {
    auto snap = back.wait_event("stream_data", std::chrono::seconds(10));
    REQUIRE_MESSAGE(snap, snap.error());
    json_doc j(*snap);
    CHECK(j.boolean("/snapshot") == true);
    auto symbol = j.str("/symbol");
    REQUIRE(symbol.size() > 1);
    seen.at(static_cast<std::size_t>(std::stoi(symbol.substr(1)))) = true;
  }
  CHECK(std::find(seen.begin(), seen.end(), false) == seen.end());
  REQUIRE(pub.emit("publish", R"([{"symbol":"S0","price":2}])", 100));
  auto live = back.wait_event("stream_data");
  REQUIRE_MESSAGE(live, live.error());
  CHECK(json_doc(*live).integer("/seq") == 2);
  CHECK_FALSE(json_doc(*live).has("/snapshot"));
  CHECK(back.is_open());
}

TEST_CASE("/ws: an offline backlog larger than limits.max-outbound-bytes arrives whole and in order") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000", "--limits.max-outbound-bytes=1048576",
                            "--limits.soft-outbound-bytes=524288"});
  sio_client sender;
  connect_as(sender, broker, "sender");
  const std::string pad(60000, 'w');
  constexpr int count = 50; // 3 MB
  for (int n = 0; n < count; ++n) send_note(sender, "wendy", n, pad, 0, 1);

  json_ws_client wendy;
  auto connected = wendy.connect(broker.host(), broker.port(), "", {{"X-User-Id", "wendy"}});
  REQUIRE_MESSAGE(connected.ok, connected.error);
  auto welcome = wendy.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  for (int n = 0; n < count; ++n) {
    auto note = wendy.wait_event("notification", std::chrono::seconds(20));
    REQUIRE_MESSAGE(note, note.error());
    json_doc j(*note);
    REQUIRE(j.integer("/data/n") == n);
    CHECK(j.boolean("/offline") == true);
  }
  CHECK(wendy.is_open());
}
