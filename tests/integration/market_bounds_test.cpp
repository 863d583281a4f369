// Byte bounds on what publishers and senders can make the broker hold (issue 11, item 3):
// tick size, each stream's ring, get_market_data replies, and the offline queue per
// user, per sender and in total. Each is driven past its bound through the real binary.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace qc::test;

namespace {

/// Sends `request` {action, payload} with an ack and returns the ack's value.
json_doc ask(sio_client& c, const std::string& action, const std::string& payload, std::uint64_t id) {
  REQUIRE(c.emit("request",
                 R"({"type":"request","request_id":")" + std::to_string(id) + R"(","action":")" + action
                   + R"(","payload":)" + payload + "}",
                 id));
  auto ack = c.wait_ack(id, std::chrono::seconds(20));
  REQUIRE_MESSAGE(ack, ack.error());
  return json_doc(*ack);
}

/// A tick of `symbol` with `price` and fields f0..f<fields-1>, each a string of `size` bytes.
std::string big_tick(const std::string& symbol, int price, int fields, std::size_t size) {
  std::string out = R"({"symbol":")" + symbol + R"(","price":)" + std::to_string(price);
  for (int f = 0; f < fields; ++f)
    out += R"(,"f)" + std::to_string(f) + R"(":")" + std::string(size, 'a' + f % 26) + '"';
  return out + '}';
}

std::string tick_batch(const std::string& symbol, int first, int count, int fields, std::size_t size) {
  std::string out = "[";
  for (int i = 0; i < count; ++i)
    out += (i ? "," : "") + big_tick(symbol, first + i, fields, size);
  return out + ']';
}

void publish_ok(sio_client& c, const std::string& ticks, std::uint64_t id) {
  REQUIRE(c.emit("publish", ticks, id));
  auto ack = c.wait_ack(id, std::chrono::seconds(20));
  REQUIRE_MESSAGE(ack, ack.error());
  REQUIRE_MESSAGE(json_doc(*ack).boolean("/ok") == true, *ack);
}

/// send_to_user {user_id, event "note", data: a string of `size` bytes}; returns the ack.
json_doc send_to_user(sio_client& c, const std::string& user, std::size_t size, char fill, std::uint64_t id) {
  return ask(c, "send_to_user",
             R"({"user_id":")" + user + R"(","event":"note","data":")" + std::string(size, fill) + R"("})", id);
}

} // namespace

// -- ticks --------------------------------------------------------------------------

TEST_CASE("a tick past the tick limits is INVALID_PARAMETERS on publish and POST /publish, "
          "and nothing of it is kept") {
  broker_under_test broker({"--limits.max-tick-name-bytes=10", "--limits.max-tick-value-bytes=100",
                            "--limits.max-tick-bytes=300", "--limits.max-tick-fields=5"});
  sio_client pub;
  connect_as(pub, broker, "pub");
  const std::vector<std::pair<std::string, std::string>> refused{
    {R"({"symbol":"BIG","price":1,"abcdefghijk":1})", "name is longer than 10 bytes"},
    {R"({"symbol":"BIG","price":")" + std::string(99, 'x') + R"("})", "longer than 100 bytes"},
    {R"({"symbol":"BIG","price":1,"note":")" + std::string(200, 'y') + R"("})", "longer than 100 bytes"},
    {big_tick("BIG", 1, 3, 90), "larger than 300 bytes"},
    {big_tick("BIG", 1, 5, 1), "more than 5 fields"},
  };
  std::uint64_t id = 0;
  for (const auto& [tick, why] : refused) {
    CAPTURE(tick);
    REQUIRE(pub.emit("publish", tick, ++id));
    auto ack = pub.wait_ack(id);
    REQUIRE_MESSAGE(ack, ack.error());
    CHECK(json_doc(*ack).boolean("/ok") == false);
    CHECK(json_doc(*ack).str("/error_code") == "INVALID_PARAMETERS");
    CHECK(json_doc(*ack).str("/message").find(why) != std::string::npos);
    auto http = http_request("POST", broker.host(), broker.port(), "/publish", tick,
                             {{"Content-Type", "application/json"}});
    CHECK(http.status == 400);
    CHECK(json_doc(http.body).str("/error_code") == "INVALID_PARAMETERS");
    CHECK(json_doc(http.body).str("/message").find(why) != std::string::npos);
  }
  // One bad tick in a batch refuses the batch: nothing of it reaches a stream.
  REQUIRE(pub.emit("publish", "[" + big_tick("OK", 1, 1, 10) + "," + refused[1].first + "]", ++id));
  CHECK(json_doc(*pub.wait_ack(id)).boolean("/ok") == false);
  CHECK_FALSE(fetch_stats(broker).has("/streams/streams/BIG"));
  CHECK_FALSE(fetch_stats(broker).has("/streams/streams/OK"));
  // At the bounds: accepted. 2 + (5 + 1 + 4) + 2 * (2 + 100 + 4) = 224 bytes.
  publish_ok(pub, big_tick("OK", 1, 2, 98), ++id);
  auto http = http_request("POST", broker.host(), broker.port(), "/publish", big_tick("OK", 2, 2, 98));
  CHECK_MESSAGE(http.status == 200, http.describe());
  CHECK(fetch_stats(broker).integer("/streams/streams/OK/ticks") == 2);
  CHECK(pub.is_open());
}

TEST_CASE("a replayed CSV row past the tick limits is skipped, counted and logged; the rest play") {
  temp_dir dir;
  const auto csv = dir.path() / "ticks.csv";
  {
    std::ofstream out(csv);
    out << "symbol,price,note\n"
        << "CSV1,1,fine\n"
        << "CSV1,2," << std::string(200, 'n') << "\n"
        << "CSV1,3,fine too\n";
  }
  broker_under_test broker({"--feed.replay-file=" + csv.string(), "--feed.replay-speed=0",
                            "--limits.max-tick-value-bytes=100"});
  sio_client c;
  connect_as(c, broker, "reader");
  json_doc data("{}");
  for (int attempt = 0; attempt < 50; ++attempt) {
    data = ask(c, "get_market_data", R"({"symbol":"CSV1"})", 100 + attempt);
    if (data.boolean("/ok") == true && data.size("/data/ticks") == 2)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(data.size("/data/ticks") == 2, data.source());
  CHECK(data.text("/data/ticks/0/data/price") == "1");
  CHECK(data.text("/data/ticks/1/data/price") == "3");
  // The log names the line and why, and the final count.
  std::string log;
  for (int attempt = 0; attempt < 50; ++attempt) {
    log = broker.process().output_tail();
    if (log.find("1 bad rows skipped") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK_MESSAGE(log.find("line 3: field \"note\" is longer than 100 bytes (skipped)") != std::string::npos, log);
  CHECK_MESSAGE(log.find("replayed 2 ticks") != std::string::npos, log);
  CHECK_MESSAGE(log.find("1 bad rows skipped") != std::string::npos, log);
}

// -- the ring and get_market_data ----------------------------------------------------

TEST_CASE("each stream's ring is bounded in bytes (stream.buffer-bytes): the oldest ticks go") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--stream.buffer-bytes=100000"});
  sio_client pub;
  connect_as(pub, broker, "pub");
  // 100 ticks of about 8 KB (two 4000-byte fields): 800 KB offered, 100 KB kept.
  for (int b = 0; b < 10; ++b)
    publish_ok(pub, tick_batch("RING", b * 10 + 1, 10, 2, 4000), b + 1);
  auto s = fetch_stats(broker);
  auto bytes = s.integer("/streams/streams/RING/buffer_bytes");
  auto size = s.integer("/streams/streams/RING/buffer_size");
  REQUIRE(bytes);
  REQUIRE(size);
  CHECK(*bytes <= 100000);
  CHECK(*bytes > 100000 - 8100); // full: within one tick of the bound
  CHECK(*size == 12);            // ~8060 bytes a tick (its timestamp added): 12 fit, 13 do not
  CHECK(s.integer("/streams/streams/RING/ticks") == 100);
  // What get_market_data finds is what the ring holds: the newest, in order.
  auto data = ask(pub, "get_market_data", R"({"symbol":"RING","limit":1000})", 50);
  REQUIRE(data.size("/data/ticks") == 12);
  CHECK(data.integer("/data/ticks/0/seq") == 89);
  CHECK(data.integer("/data/ticks/11/seq") == 100);
  CHECK_FALSE(data.has("/data/truncated"));
}

TEST_CASE("at the defaults a symbol holds at most stream.buffer-bytes, however big its ticks") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000"});
  sio_client pub;
  connect_as(pub, broker, "pub");
  // 1000 ticks of the largest size a tick may have (16 KB): 16 MB offered.
  for (int b = 0; b < 20; ++b)
    publish_ok(pub, tick_batch("HUGE", b * 50 + 1, 50, 4, 4000), b + 1);
  auto s = fetch_stats(broker);
  CHECK(s.integer("/streams/streams/HUGE/ticks") == 1000);
  CHECK(s.integer("/streams/streams/HUGE/buffer_bytes") <= 4 * 1024 * 1024);
  CHECK(s.integer("/streams/streams/HUGE/buffer_size") < 1000);
  // The reply is bounded too: at most limits.max-reply-bytes (1 MB) and one tick.
  REQUIRE(pub.emit("request", R"({"type":"request","request_id":"r","action":"get_market_data",)"
                              R"("payload":{"symbol":"HUGE","limit":1000}})"));
  auto reply = pub.wait_event("response", std::chrono::seconds(20));
  REQUIRE_MESSAGE(reply, reply.error());
  CHECK(reply->size() <= (1u << 20) + 2 * 16500);
  json_doc j(*reply);
  CHECK(j.boolean("/data/truncated") == true);
  CHECK(j.size("/data/ticks") > 50);
  MESSAGE("get_market_data reply at the defaults: " << reply->size() << " bytes, "
                                                    << j.size("/data/ticks") << " ticks");
}

TEST_CASE("get_market_data past limits.max-reply-bytes says truncated and pages back with "
          "before_seq, every tick once, in order") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--limits.max-reply-bytes=50000"});
  sio_client pub;
  connect_as(pub, broker, "pub");
  // 40 ticks of about 4 KB: 160 KB in the ring, more than three replies' worth.
  for (int b = 0; b < 4; ++b)
    publish_ok(pub, tick_batch("PAGE", b * 10 + 1, 10, 1, 4000), b + 1);
  std::vector<std::int64_t> seen; // newest page first, each page oldest first
  std::string payload = R"({"symbol":"PAGE","limit":1000})";
  int pages = 0;
  for (std::uint64_t id = 10; pages < 20; ++id) {
    auto j = ask(pub, "get_market_data", payload, id);
    REQUIRE_MESSAGE(j.boolean("/ok") == true, j.source());
    ++pages;
    CHECK(j.text("/data").size() <= 50000 + 4200); // the bound, or one tick past it
    CHECK(j.integer("/data/last/seq") == 40);       // the last value is always there
    std::vector<std::int64_t> page;
    for (long i = 0; i < j.size("/data/ticks"); ++i)
      page.push_back(*j.integer("/data/ticks/" + std::to_string(i) + "/seq"));
    REQUIRE_FALSE(page.empty());
    seen.insert(seen.begin(), page.begin(), page.end());
    if (j.boolean("/data/truncated") != true)
      break;
    auto next = j.integer("/data/next_before_seq");
    REQUIRE(next);
    CHECK(*next == page.front());
    payload = R"({"symbol":"PAGE","limit":1000,"before_seq":)" + std::to_string(*next) + "}";
  }
  CHECK(pages >= 4);
  std::vector<std::int64_t> all;
  for (int i = 1; i <= 40; ++i)
    all.push_back(i);
  CHECK(seen == all);
  // limit still counts: the newest `limit` before before_seq.
  auto j = ask(pub, "get_market_data", R"({"symbol":"PAGE","limit":2,"before_seq":10})", 99);
  CHECK(j.integer("/data/ticks/0/seq") == 8);
  CHECK(j.integer("/data/ticks/1/seq") == 9);
  CHECK_FALSE(j.has("/data/truncated"));
  // A bad before_seq is the client's error.
  auto bad = ask(pub, "get_market_data", R"({"symbol":"PAGE","before_seq":-1})", 98);
  CHECK(bad.boolean("/ok") == false);
  CHECK(bad.str("/error_code") == "INVALID_PARAMETERS");
}

// -- the offline queue ---------------------------------------------------------------

TEST_CASE("a user's offline queue is bounded in bytes (storage.offline-max-bytes-per-user): "
          "the oldest go, the rest arrive in order") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--storage.offline-max-bytes-per-user=200000"});
  sio_client alice;
  connect_as(alice, broker, "alice");
  for (int i = 0; i < 10; ++i) {
    auto ack = send_to_user(alice, "bob", 60000, static_cast<char>('0' + i), i + 1);
    CHECK(ack.integer("/data/queued") == 1);
  }
  auto s = fetch_stats(broker);
  CHECK(s.integer("/offline_queue/total_offline_messages") == 3); // 3 * ~60.2 KB <= 200000
  CHECK(s.integer("/offline_queue/total_offline_bytes") <= 200000);
  CHECK(s.integer("/offline_queue/dropped_offline") == 7);
  CHECK(s.integer("/offline_queue/max_bytes_per_user") == 200000);
  sio_client bob;
  connect_as(bob, broker, "bob");
  for (char expected : {'7', '8', '9'}) {
    auto note = bob.wait_event("notification", std::chrono::seconds(10));
    REQUIRE_MESSAGE(note, note.error());
    CHECK(json_doc(*note).str("/data").front() == expected);
  }
  CHECK(bob.expect_no_event("notification", std::chrono::milliseconds(200)));
}

TEST_CASE("one sender cannot fill another user's offline queue and push out the others' messages") {
  SUBCASE("its part is capped (storage.offline-max-sender-bytes): its own oldest go") {
    broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--storage.offline-max-sender-bytes=130000"});
    sio_client carol, mallory;
    connect_as(carol, broker, "carol");
    connect_as(mallory, broker, "mallory");
    CHECK(send_to_user(carol, "bob", 100, 'c', 1).integer("/data/queued") == 1);
    for (int i = 0; i < 20; ++i)
      send_to_user(mallory, "bob", 60000, static_cast<char>('a' + i), i + 1);
    auto s = fetch_stats(broker);
    CHECK(s.integer("/offline_queue/total_offline_messages") == 3); // carol's and mallory's last 2
    CHECK(s.integer("/offline_queue/total_offline_bytes") <= 130000 + 400);
    sio_client bob;
    connect_as(bob, broker, "bob");
    std::string firsts;
    for (int i = 0; i < 3; ++i) {
      auto note = bob.wait_event("notification", std::chrono::seconds(10));
      REQUIRE_MESSAGE(note, note.error());
      firsts += json_doc(*note).str("/data").front();
    }
    CHECK(firsts == "cst");
  }
  SUBCASE("past the user's bound, the sender holding the most loses its oldest") {
    broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--storage.offline-max-bytes-per-user=300000"});
    sio_client carol, mallory;
    connect_as(carol, broker, "carol");
    connect_as(mallory, broker, "mallory");
    CHECK(send_to_user(carol, "bob", 100, 'c', 1).integer("/data/queued") == 1);
    for (int i = 0; i < 20; ++i)
      send_to_user(mallory, "bob", 60000, static_cast<char>('a' + i), i + 1);
    auto s = fetch_stats(broker);
    CHECK(s.integer("/offline_queue/total_offline_bytes") <= 300000);
    CHECK(s.integer("/offline_queue/total_offline_messages") == 5); // carol's and mallory's last 4
    sio_client bob;
    connect_as(bob, broker, "bob");
    auto first = bob.wait_event("notification", std::chrono::seconds(10));
    REQUIRE_MESSAGE(first, first.error());
    CHECK(json_doc(*first).str("/data").front() == 'c');
  }
}

TEST_CASE("the offline store is bounded in bytes in all (storage.offline-max-total-bytes): "
          "past it new messages are refused and counted") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=1000000000", "--storage.offline-max-total-bytes=150000"});
  sio_client alice;
  connect_as(alice, broker, "alice");
  CHECK(send_to_user(alice, "u1", 60000, 'a', 1).integer("/data/queued") == 1);
  CHECK(send_to_user(alice, "u2", 60000, 'b', 2).integer("/data/queued") == 1);
  CHECK(send_to_user(alice, "u3", 60000, 'c', 3).integer("/data/queued") == 0);
  CHECK(send_to_user(alice, "u3", 20000, 'd', 4).integer("/data/queued") == 1); // a smaller one fits
  auto s = fetch_stats(broker);
  CHECK(s.integer("/offline_queue/refused_offline") == 1);
  CHECK(s.integer("/offline_queue/total_offline_bytes") <= 150000);
  CHECK(s.integer("/offline_queue/max_total_bytes") == 150000);
  // Delivering frees room again.
  sio_client u1;
  connect_as(u1, broker, "u1");
  REQUIRE(u1.wait_event("notification", std::chrono::seconds(10)));
  u1.read_for(std::chrono::milliseconds(300));
  CHECK(send_to_user(alice, "u3", 60000, 'e', 5).integer("/data/queued") == 1);
}

TEST_CASE("byte bounds that make no sense stop the broker at startup, naming the key") {
  const std::vector<std::pair<std::string, std::string>> cases{
    {"--stream.buffer-bytes=0", "stream.buffer-bytes"},
    {"--limits.max-reply-bytes=100", "limits.max-reply-bytes"},
    {"--limits.max-tick-bytes=10", "limits.max-tick-bytes"},
    {"--limits.max-tick-value-bytes=2", "max-tick-value-bytes"},
    {"--storage.offline-max-total-bytes=0", "offline-max-total-bytes"},
    {"--storage.offline-max-sender-bytes=0", "offline-max-sender-bytes"},
  };
  for (const auto& [arg, key] : cases) {
    CAPTURE(arg);
    std::string output;
    try {
      broker_under_test broker({arg});
    } catch (const std::runtime_error& e) {
      output = e.what();
    }
    CHECK_MESSAGE(output.find(key) != std::string::npos, output);
  }
}
