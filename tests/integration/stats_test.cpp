// /stats after a known sequence of actions: every number is predictable.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <set>
#include <thread>
#include <vector>

using namespace qc::test;

namespace {

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

namespace {

json_doc fetch(broker_under_test& broker, const std::string& target) {
  auto r = http_get(broker.host(), broker.port(), target);
  REQUIRE_MESSAGE(r.status == 200, target << ": " << r.describe());
  json_doc j(r.body);
  REQUIRE_MESSAGE(j.ok(), r.body);
  return j;
}

// A 400 whose JSON body names INVALID_PARAMETERS and says `says`.
void expect_bad_page(broker_under_test& broker, const std::string& target, const std::string& says) {
  auto r = http_get(broker.host(), broker.port(), target);
  CAPTURE(target);
  CHECK_MESSAGE(r.status == 400, r.describe());
  json_doc j(r.body);
  REQUIRE_MESSAGE(j.ok(), r.body);
  CHECK(r.body.find("INVALID_PARAMETERS") != std::string::npos);
  CHECK_MESSAGE(r.body.find(says) != std::string::npos, r.body);
}

std::vector<std::string> listed_sids(const json_doc& j) {
  std::vector<std::string> out;
  for (long i = 0; i < j.size("/connections/connections"); ++i)
    out.push_back(j.str("/connections/connections/" + std::to_string(i) + "/sid"));
  return out;
}

} // namespace

TEST_CASE("/stats pages its lists with limit and offset; totals stay complete") {
  broker_under_test broker;
  std::vector<sio_client> clients(5);
  std::set<std::string> sids;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    sids.insert(connect_as(clients[i], broker, "user" + std::to_string(i)));
    join_room(clients[i], "room" + std::to_string(i));
  }
  for (const char* symbol : {"AAA", "BBB", "CCC"}) {
    REQUIRE(clients[0].emit("subscribe_market_stream", std::string(R"({"symbol":")") + symbol + R"("})"));
    REQUIRE(clients[0].wait_event("stream_subscribed"));
  }

  // Three pages of two walk every connection once, in a stable order.
  std::vector<std::string> walked;
  for (int offset : {0, 2, 4}) {
    auto j = fetch(broker, "/stats?limit=2&offset=" + std::to_string(offset));
    CAPTURE(j.source());
    CHECK(j.integer("/page/limit") == 2);
    CHECK(j.integer("/page/offset") == offset);
    CHECK(j.integer("/connections/total_connections") == 5);
    CHECK(j.integer("/connections/total_users") == 5);
    CHECK(j.integer("/rooms/total_rooms") == 5);
    CHECK(j.integer("/streams/active_streams") == 3);
    const long expect = offset == 4 ? 1 : 2;
    CHECK(j.size("/connections/connections") == expect);
    CHECK(j.integer("/connections/listed") == expect);
    CHECK(j.integer("/connections/offset") == offset);
    CHECK(j.boolean("/connections/truncated") == (offset != 4));
    if (offset != 4)
      CHECK(j.integer("/connections/next_offset") == offset + 2);
    else
      CHECK_FALSE(j.has("/connections/next_offset"));
    CHECK(j.size("/connections/per_user") == expect);
    CHECK(j.size("/rooms/rooms") == expect);
    CHECK(j.integer("/rooms/listed") == expect);
    for (auto& sid : listed_sids(j))
      walked.push_back(sid);
  }
  CHECK(std::set<std::string>(walked.begin(), walked.end()) == sids);
  CHECK(walked.size() == sids.size());

  // Rooms and streams page by name: the second page of two starts at the third name.
  auto j = fetch(broker, "/stats?offset=2&limit=2");
  CHECK(j.keys("/rooms/rooms") == std::vector<std::string>{"room2", "room3"});
  CHECK(j.keys("/streams/streams") == std::vector<std::string>{"CCC"});
  CHECK(j.boolean("/streams/truncated") == false);
  CHECK(j.integer("/streams/offset") == 2);

  // limit=0: totals only; an offset past the end lists nothing and is not an error.
  auto totals = fetch(broker, "/stats?limit=0");
  CHECK(totals.size("/connections/connections") == 0);
  CHECK(totals.boolean("/connections/truncated") == true);
  CHECK(totals.integer("/connections/total_connections") == 5);
  auto past = fetch(broker, "/stats?offset=18446744073709551615&limit=1000");
  CHECK(past.size("/connections/connections") == 0);
  CHECK(past.size("/rooms/rooms") == 0);
  CHECK(past.boolean("/connections/truncated") == false);

  // The MyStocks endpoint pages alike.
  auto status = fetch(broker, "/api/socketio-status?limit=1");
  CHECK(status.str("/status") == "active");
  CHECK(status.size("/statistics/connections/connections") == 1);
  CHECK(status.integer("/statistics/connections/total_connections") == 5);
}

TEST_CASE("/stats refuses bad page parameters with 400 and a JSON error") {
  broker_under_test broker({"--limits.max-listed-connections=50"});
  expect_bad_page(broker, "/stats?limit=abc", "limit must be a non-negative integer");
  expect_bad_page(broker, "/stats?limit=-1", "limit must be a non-negative integer");
  expect_bad_page(broker, "/stats?limit=", "limit must be a non-negative integer");
  expect_bad_page(broker, "/stats?offset=1.5", "offset must be a non-negative integer");
  expect_bad_page(broker, "/stats?offset=99999999999999999999", "offset must be a non-negative integer");
  expect_bad_page(broker, "/stats?limit=1&limit=2", "limit is given more than once");
  expect_bad_page(broker, "/stats?limit=51", "limit must be an integer from 0 to 50");
  expect_bad_page(broker, "/api/socketio-status?limit=x", "limit must be a non-negative integer");
  // The broker is unharmed, and the largest page is fine.
  auto ok = fetch(broker, "/stats?limit=50&_=123");
  CHECK(ok.integer("/page/limit") == 50);
}

TEST_CASE("request get_stats pages alike and refuses a limit past the maximum") {
  broker_under_test broker({"--auth.default-roles=[\"admin\"]", "--limits.max-listed-connections=10"});
  sio_client a, b, c;
  connect_as(a, broker, "ann");
  connect_as(b, broker, "ben");
  connect_as(c, broker, "cat");
  REQUIRE(a.emit("request", R"({"type":"request","request_id":"p1","action":"get_stats","payload":{"limit":1,"offset":1}})"));
  auto page = a.wait_event("response");
  REQUIRE_MESSAGE(page, page.error());
  json_doc r(*page);
  CAPTURE(r.source());
  CHECK(r.boolean("/success") == true);
  CHECK(r.integer("/data/connections/total_connections") == 3);
  CHECK(r.size("/data/connections/connections") == 1);
  CHECK(r.integer("/data/connections/offset") == 1);
  CHECK(r.integer("/data/connections/next_offset") == 2);

  REQUIRE(a.emit("request", R"({"type":"request","request_id":"p2","action":"get_stats","payload":{"limit":11}})"));
  auto refused = a.wait_event("response");
  REQUIRE_MESSAGE(refused, refused.error());
  json_doc e(*refused);
  CAPTURE(e.source());
  CHECK(e.str("/request_id") == "p2");
  CHECK(e.str("/error_code") == "INVALID_PARAMETERS");
  CHECK(e.str("/error_message") == "limit must be an integer from 0 to 10");

  REQUIRE(a.emit("request", R"({"type":"request","request_id":"p3","action":"get_stats","payload":{"offset":-3}})"));
  auto negative = a.wait_event("response");
  REQUIRE_MESSAGE(negative, negative.error());
  CHECK(json_doc(*negative).str("/error_code") == "INVALID_PARAMETERS");
}

TEST_CASE("a burst of /stats requests is served by one gather while the snapshot is fresh") {
  // A long cache makes the count exact whatever the machine's load.
  broker_under_test broker({"--stats.cache-ms=60000"});
  sio_client a;
  connect_as(a, broker, "ann");
  constexpr int burst = 40;
  std::vector<http_response> answers(burst);
  {
    std::vector<std::thread> senders;
    for (int i = 0; i < burst; ++i)
      senders.emplace_back([&, i] {
        answers[i] = http_get(broker.host(), broker.port(), i % 2 ? "/stats" : "/api/socketio-status?limit=3");
      });
    for (auto& t : senders) t.join();
  }
  for (int i = 0; i < burst; ++i) {
    REQUIRE_MESSAGE(answers[i].status == 200, answers[i].describe());
    json_doc j(answers[i].body);
    const std::string base = i % 2 ? "" : "/statistics";
    CHECK(j.integer(base + "/stats_gathers") == 1);
    CHECK(j.integer(base + "/snapshot_gather") == 1);
    CHECK(j.integer(base + "/connections/total_connections") == 1);
  }
  // While the snapshot is fresh, a new connection is not seen yet: that is the price.
  sio_client b;
  connect_as(b, broker, "ben");
  auto cached = fetch(broker, "/stats");
  CHECK(cached.integer("/stats_gathers") == 1);
  CHECK(cached.integer("/connections/total_connections") == 1);
}

TEST_CASE("with the default cache a snapshot is reused for a second, then gathered again") {
  broker_under_test broker({"--stats.cache-ms=1000"});
  sio_client a;
  connect_as(a, broker, "ann");
  auto first = fetch(broker, "/stats");
  const auto gathers = first.integer("/stats_gathers");
  REQUIRE(gathers.has_value());
  auto second = fetch(broker, "/stats");
  // Unless the machine stalled for a second between the two requests, one gather served both.
  if (second.integer("/snapshot_age_ms").value_or(0) < 1000)
    CHECK(second.integer("/stats_gathers") == gathers);
  sio_client b;
  connect_as(b, broker, "ben");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto later = fetch(broker, "/stats");
  CHECK(later.integer("/stats_gathers") > gathers);
  CHECK(later.integer("/snapshot_age_ms") < 1000);
  CHECK(later.integer("/connections/total_connections") == 2);
}

TEST_CASE("the /stats listing stays bounded with many connections") {
  broker_under_test broker;
  constexpr int many = 250;
  std::vector<sio_client> clients(many);
  for (int i = 0; i < many; ++i)
    connect_as(clients[i], broker, "u" + std::to_string(i));

  auto r = http_get(broker.host(), broker.port(), "/stats");
  REQUIRE(r.status == 200);
  json_doc dflt(r.body);
  CHECK(dflt.integer("/connections/total_connections") == many);
  CHECK(dflt.integer("/connections/total_users") == many);
  CHECK(dflt.size("/connections/connections") == 100); // stats.default-limit
  CHECK(dflt.size("/connections/per_user") == 100);
  CHECK(dflt.boolean("/connections/truncated") == true);
  CHECK(dflt.integer("/connections/next_offset") == 100);

  auto totals = http_get(broker.host(), broker.port(), "/stats?limit=0");
  REQUIRE(totals.status == 200);
  CHECK(json_doc(totals.body).integer("/connections/total_connections") == many);
  // Totals only: the size does not grow with the number of connections.
  CHECK_MESSAGE(totals.body.size() < 2048, totals.body.size());
  // The default page is about 100 rows of ~200 bytes, not 250.
  CHECK_MESSAGE(r.body.size() < 100 * 300, r.body.size());
  expect_bad_page(broker, "/stats?limit=1001", "limit must be an integer from 0 to 1000");
}
