// What a connection, live or dropped, keeps for a recovery replay is bounded in bytes
// (recovery.inflight-bytes, recovery.parked-bytes) and in total for every dropped
// session (recovery.parked-total-bytes); past a bound the client is told of the gap.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace qc::test;

namespace {

// A connection that may be recovered: its Socket.IO sid and pid, and the offset of
// the last room packet it read.
struct recoverable {
  std::string sid;
  std::string pid;
  std::string offset;
};

recoverable connect_recoverable(sio_client& c, broker_under_test& b, const std::string& user) {
  auto reply = c.open_and_connect(b.host(), b.port(), "", {{"X-User-Id", user}});
  REQUIRE_MESSAGE(reply, reply.error());
  json_doc j(*reply);
  REQUIRE(j.is_string("/pid"));
  REQUIRE(c.wait_event("connect_response"));
  return {j.str("/sid"), j.str("/pid"), ""};
}

// The offset a room packet carries as its last argument: 42["event",{...},"offset"].
std::string offset_of(const received_event& e) {
  json_doc j(std::string_view(e.raw).substr(2));
  auto n = j.size("");
  REQUIRE(n >= 3);
  return j.str("/" + std::to_string(n - 1));
}

// Reads room messages until the one with `content`; returns its offset.
std::string read_until(sio_client& c, const std::string& content) {
  for (;;) {
    auto m = c.wait_event_full("room_message", std::chrono::seconds(10));
    REQUIRE_MESSAGE(m, m.error());
    if (json_doc(m->payload).str("/content") == content) return offset_of(*m);
  }
}

// Reconnects with the pid (and offset); returns connect_response.
std::string recover(sio_client& c, broker_under_test& b, const std::string& user, const recoverable& r) {
  auto opened = c.open(b.host(), b.port(), "", {{"X-User-Id", user}});
  REQUIRE_MESSAGE(opened, opened.error());
  std::string auth = R"({"pid":")" + r.pid + "\"";
  if (!r.offset.empty()) auth += R"(,"offset":")" + r.offset + "\"";
  auth += "}";
  auto reply = c.connect_namespace("/", auth);
  REQUIRE_MESSAGE(reply, reply.error());
  REQUIRE(reply->accepted);
  CHECK(json_doc(reply->data).str("/sid") == r.sid);
  auto welcome = c.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  return *welcome;
}

void say(sio_client& sender, const std::string& room, const std::string& content, std::uint64_t ack) {
  REQUIRE(sender.emit("room_message", text_message(room, content), ack));
  auto ok = sender.wait_ack(ack, std::chrono::seconds(10));
  REQUIRE_MESSAGE(ok, ok.error());
  REQUIRE(json_doc(*ok).boolean("/ok") == true);
  // The sender is a member too: let go of its copies.
  while (sender.wait_event("room_message", std::chrono::milliseconds(0))) {
  }
}

// The broker has seen `who` drop: the room told its other members.
void wait_left(sio_client& member, const std::string& who_sid) {
  for (;;) {
    auto left = member.wait_event("room_member_left", std::chrono::seconds(10));
    REQUIRE_MESSAGE(left, left.error());
    if (json_doc(*left).str("/sid") == who_sid) return;
  }
}

std::int64_t recovery_stat(broker_under_test& b, const std::string& name) {
  auto stats = http_get(b.host(), b.port(), "/stats");
  REQUIRE(stats.status == 200);
  return json_doc(stats.body).integer("/recovery/" + name).value_or(-1);
}

// Polls /stats until recovery.<name> satisfies `ok` (the sessions park and keep
// packets on their own time, after the room has answered the sender); the last value.
template <class Ok>
std::int64_t wait_recovery_stat(broker_under_test& b, const std::string& name, Ok ok) {
  auto value = recovery_stat(b, name);
  for (int i = 0; i < 100 && !ok(value); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    value = recovery_stat(b, name);
  }
  return value;
}

// ~60 KB of content: with both encodings and the queued copy, a kept packet weighs ~181 KB.
std::string big(char c, int n) { return std::string(60000, c) + std::to_string(n); }

}  // namespace

TEST_CASE("a replay close to recovery.parked-bytes comes back whole, in order, recovered, "
          "though larger than limits.max-outbound-bytes") {
  // parked-bytes: 2 MiB by default. The replay (~0.6 MB on the wire) is larger than the
  // outbound bound here: written at once it would close the client as a slow consumer.
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000", "--limits.max-outbound-bytes=524288",
                            "--limits.soft-outbound-bytes=262144", "--limits.backlog-page-bytes=131072"});
  sio_client ann, sender;
  auto r = connect_recoverable(ann, broker, "ann");
  join_room(ann, "r");
  connect_as(sender, broker, "sender");
  join_room(sender, "r");
  say(sender, "r", "before", 1);
  r.offset = read_until(ann, "before");
  ann.drop();
  wait_left(sender, r.sid);
  constexpr int missed = 10; // ~1.8 MB kept
  for (int i = 0; i < missed; ++i) say(sender, "r", big('m', i), 10 + i);

  sio_client back;
  json_doc welcome(recover(back, broker, "ann", r));
  CHECK(welcome.boolean("/recovered") == true);
  for (int i = 0; i < missed; ++i) {
    auto m = back.wait_event("room_message", std::chrono::seconds(10));
    REQUIRE_MESSAGE(m, m.error());
    REQUIRE(json_doc(*m).str("/content") == big('m', i));
  }
  CHECK(recovery_stat(broker, "recovered") == 1);
  CHECK(recovery_stat(broker, "replayed_packets") >= missed);
}

TEST_CASE("past recovery.parked-bytes the oldest packets go and the client is told: recovered:false") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000", "--recovery.inflight-bytes=200000",
                            "--recovery.parked-bytes=600000"});
  sio_client ann, sender;
  auto r = connect_recoverable(ann, broker, "ann");
  join_room(ann, "r");
  connect_as(sender, broker, "sender");
  join_room(sender, "r");
  say(sender, "r", "before", 1);
  r.offset = read_until(ann, "before");
  ann.drop();
  wait_left(sender, r.sid);
  for (int i = 0; i < 6; ++i) say(sender, "r", big('g', i), 10 + i); // ~1.1 MB: past the bound

  sio_client back;
  json_doc welcome(recover(back, broker, "ann", r));
  CHECK(welcome.boolean("/recovered") == false);
  CHECK(welcome.strings("/restored/rooms") == std::vector<std::string>{"r"});
  CHECK(recovery_stat(broker, "recovery_gaps") == 1);
  // The restored membership is live.
  say(sender, "r", "after", 99);
  CHECK(read_until(back, "after") != "");
}

TEST_CASE("recovery.parked-total-bytes bounds what all dropped sessions keep: past it a "
          "dropped session keeps nothing more and its client gets a gap") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000", "--recovery.inflight-bytes=200000",
                            "--recovery.parked-bytes=400000", "--recovery.parked-total-bytes=500000"});
  sio_client ann, bob, sender;
  auto ra = connect_recoverable(ann, broker, "ann");
  join_room(ann, "ra");
  auto rb = connect_recoverable(bob, broker, "bob");
  join_room(bob, "rb");
  connect_as(sender, broker, "sender");
  join_room(sender, "ra");
  join_room(sender, "rb");
  say(sender, "ra", "before-a", 1);
  say(sender, "rb", "before-b", 2);
  ra.offset = read_until(ann, "before-a");
  rb.offset = read_until(bob, "before-b");

  // Ann drops first and keeps two large packets: ~362 KB of the 500 KB.
  ann.drop();
  wait_left(sender, ra.sid);
  say(sender, "ra", big('a', 0), 10);
  say(sender, "ra", big('a', 1), 11);
  auto held = wait_recovery_stat(broker, "parked_bytes", [](auto v) { return v > 300000; });
  CHECK(held > 300000);
  CHECK(held <= 500000);
  // Bob drops next: what is left of the budget does not hold one of his packets.
  bob.drop();
  wait_left(sender, rb.sid);
  say(sender, "rb", big('b', 0), 20);
  say(sender, "rb", big('b', 1), 21);
  CHECK(recovery_stat(broker, "parked_bytes") <= 500000);

  sio_client ann2, bob2;
  json_doc bob_back(recover(bob2, broker, "bob", rb));
  CHECK(bob_back.boolean("/recovered") == false);
  json_doc ann_back(recover(ann2, broker, "ann", ra));
  CHECK(ann_back.boolean("/recovered") == true); // the first to drop kept all it was sent
  for (int i = 0; i < 2; ++i) {
    auto m = ann2.wait_event("room_message", std::chrono::seconds(10));
    REQUIRE_MESSAGE(m, m.error());
    CHECK(json_doc(*m).str("/content") == big('a', i));
  }
  CHECK(wait_recovery_stat(broker, "parked_bytes", [](auto v) { return v == 0; }) == 0); // every share given back
}

TEST_CASE("5 connections that each get 256 room messages of 60 KB hold about a MB each for "
          "replay, connected and dropped, not the 256 messages") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.events-per-second=100000"});
  constexpr int members = 5;
  constexpr int messages = 256;
  std::vector<sio_client> readers(members);
  std::vector<recoverable> keys;
  sio_client sender;
  connect_as(sender, broker, "sender");
  for (int i = 0; i < members; ++i) {
    auto room = "big" + std::to_string(i);
    keys.push_back(connect_recoverable(readers[i], broker, "reader" + std::to_string(i)));
    join_room(readers[i], room);
    join_room(sender, room);
  }
  const long before = rss_kb(broker.process().pid());
  std::uint64_t ack = 1;
  for (int n = 0; n < messages; ++n)
    for (int i = 0; i < members; ++i) {
      say(sender, "big" + std::to_string(i), big('r', n), ack++);
      keys[i].offset = read_until(readers[i], big('r', n)); // readers keep up: nothing queues
    }
  const long connected_growth = rss_kb(broker.process().pid()) - before;
  // Each would have kept 256 x ~181 KB (~46 MB) for replay; now ~1 MB (inflight-bytes).
  for (int i = 0; i < members; ++i) {
    readers[i].drop();
    wait_left(sender, keys[i].sid);
  }
  CHECK(wait_recovery_stat(broker, "parked_sessions", [](auto v) { return v == members; }) == members);
  CHECK(recovery_stat(broker, "parked_bytes") <= members * (1 << 20) + members * 200000);
  const long parked_growth = rss_kb(broker.process().pid()) - before;
  MESSAGE("RSS growth: connected " << connected_growth << " KB, parked " << parked_growth << " KB");
  if (rss_is_meaningful) {
    CHECK_MESSAGE(connected_growth < 40 * 1024, "broker RSS grew by " << connected_growth << " KB");
    CHECK_MESSAGE(parked_growth < 40 * 1024, "broker RSS grew by " << parked_growth << " KB");
  }
  // And they still recover: the last message each read is among the kept ones.
  for (int i = 0; i < members; ++i) {
    sio_client back;
    json_doc welcome(recover(back, broker, "reader" + std::to_string(i), keys[i]));
    CHECK(welcome.boolean("/recovered") == true);
  }
}
