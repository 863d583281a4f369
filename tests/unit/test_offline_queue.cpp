#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "storage/database.hpp"
#include "storage/offline_queue.hpp"
#include "tests/support/temp_dir.hpp"

using namespace qc::storage;
namespace fs = std::filesystem;
using qc::test::temp_dir;

namespace {

constexpr std::int64_t day_ms = 24 * 3600 * 1000LL;
constexpr std::int64_t t0 = 1'700'000'000'000; // a plausible epoch-ms "now"

std::vector<std::string> payloads(const std::vector<offline_message>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs)
    out.push_back(m.payload);
  return out;
}

std::vector<std::int64_t> ids(const std::vector<offline_message>& msgs) {
  std::vector<std::int64_t> out;
  for (const auto& m : msgs)
    out.push_back(m.id);
  return out;
}

} // namespace

TEST_CASE("offline queue: FIFO by insertion, not by timestamp, and it survives a reopen") {
  temp_dir dir;
  const auto file = dir.path() / "q.db";
  {
    database db(file);
    offline_queue q(db, 1000, 7 * day_ms);
    auto tx = db.begin();
    // Timestamps deliberately out of order: insertion order wins.
    CHECK(q.enqueue("u1", "room_message", R"({"n":1})", t0 + 30) == 0);
    CHECK(q.enqueue("u1", "notification", R"({"n":2})", t0 + 10) == 0);
    CHECK(q.enqueue("u2", "room_message", R"({"other":true})", t0) == 0);
    CHECK(q.enqueue("u1", "room_message", R"({"n":3})", t0 + 20) == 0);
    tx.commit();
  }
  database db(file);
  offline_queue q(db, 1000, 7 * day_ms);
  const auto msgs = q.peek("u1", 10, t0 + 100);
  REQUIRE(msgs.size() == 3);
  CHECK(payloads(msgs) == std::vector<std::string>{R"({"n":1})", R"({"n":2})", R"({"n":3})"});
  CHECK(msgs[0].event == "room_message");
  CHECK(msgs[1].event == "notification");
  CHECK(msgs[1].created_ms == t0 + 10);
  CHECK(msgs[0].id < msgs[1].id);
  CHECK(msgs[1].id < msgs[2].id);
  // limit, and peek does not remove
  CHECK(payloads(q.peek("u1", 2, t0 + 100)) == std::vector<std::string>{R"({"n":1})", R"({"n":2})"});
  CHECK(q.size("u1") == 3);
  CHECK(q.peek("nobody", 10, t0).empty());
}

TEST_CASE("offline queue: the per-user bound drops the oldest") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 1000, 7 * day_ms);
  std::size_t dropped = 0;
  db.in_transaction([&] {
    for (int i = 0; i < 1005; ++i)
      dropped += q.enqueue("u1", "room_message", std::to_string(i), t0 + i);
    q.enqueue("u2", "room_message", "u2's own", t0);
  });
  CHECK(dropped == 5);
  CHECK(q.size("u1") == 1000);
  CHECK(q.size("u2") == 1);
  const auto msgs = q.peek("u1", 2000, t0 + 2000);
  REQUIRE(msgs.size() == 1000);
  CHECK(msgs.front().payload == "5"); // 0..4 are gone
  CHECK(msgs.back().payload == "1004");
  // One more over the bound drops exactly one.
  CHECK(q.enqueue("u1", "room_message", "1005", t0 + 1005) == 1);
  CHECK(q.peek("u1", 1, t0 + 2000).front().payload == "6");
  CHECK(q.size("u1") == 1000);
}

TEST_CASE("offline queue: TTL hides expired messages, purge_expired deletes them") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  const std::int64_t ttl = 1000;
  offline_queue q(db, 1000, ttl);
  q.enqueue("u1", "e", "old", t0);
  q.enqueue("u1", "e", "newer", t0 + 500);
  q.enqueue("u2", "e", "old2", t0 + 100);

  CHECK(payloads(q.peek("u1", 10, t0 + 999)) == std::vector<std::string>{"old", "newer"});
  // created + ttl > now: at exactly t0 + ttl the first one has expired
  CHECK(payloads(q.peek("u1", 10, t0 + ttl)) == std::vector<std::string>{"newer"});
  CHECK(q.size("u1") == 2); // hidden, not yet deleted

  CHECK(q.purge_expired(t0 + ttl) == 1);
  CHECK(q.size("u1") == 1);
  CHECK(q.total() == 2);
  CHECK(q.purge_expired(t0 + 10 * ttl) == 2);
  CHECK(q.total() == 0);
  CHECK(q.users_with_messages() == 0);
  CHECK(q.peek("u1", 10, t0).empty());
}

TEST_CASE("offline queue: remove takes only the given ids of that user") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 1000, 7 * day_ms);
  for (int i = 0; i < 5; ++i)
    q.enqueue("u1", "e", "u1-" + std::to_string(i), t0);
  q.enqueue("u2", "e", "u2-0", t0);
  const auto u1 = ids(q.peek("u1", 10, t0));
  const auto u2 = ids(q.peek("u2", 10, t0));
  REQUIRE(u1.size() == 5);
  REQUIRE(u2.size() == 1);

  // u2's id and an unknown id are ignored; a repeated id counts once.
  CHECK(q.remove("u1", {u1[0], u1[2], u2[0], 999999, u1[2]}) == 2);
  CHECK(payloads(q.peek("u1", 10, t0)) == std::vector<std::string>{"u1-1", "u1-3", "u1-4"});
  CHECK(q.size("u2") == 1);
  CHECK(q.remove("u1", {}) == 0);
  CHECK(q.remove("u2", u2) == 1);
  CHECK(q.size("u2") == 0);
}

TEST_CASE("offline queue: totals and users_with_messages") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 3, 7 * day_ms);
  CHECK(q.total() == 0);
  CHECK(q.users_with_messages() == 0);
  CHECK(q.size("u1") == 0);
  q.enqueue("u1", "e", "1", t0);
  q.enqueue("u1", "e", "2", t0);
  q.enqueue("u2", "e", "1", t0);
  q.enqueue("u3", "e", "1", t0);
  CHECK(q.total() == 4);
  CHECK(q.users_with_messages() == 3);
  for (int i = 0; i < 5; ++i)
    q.enqueue("u1", "e", "more", t0);
  CHECK(q.size("u1") == 3);
  CHECK(q.total() == 5);
  q.remove("u2", ids(q.peek("u2", 10, t0)));
  CHECK(q.users_with_messages() == 2);
  CHECK(q.total() == 4);
}

TEST_CASE("offline queue: a rolled-back enqueue leaves nothing, counters included") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 1000, 7 * day_ms);
  {
    auto tx = db.begin();
    q.enqueue("u1", "e", "p", t0);
    CHECK(q.size("u1") == 1);
  }
  CHECK(q.size("u1") == 0);
  CHECK(q.total() == 0);
  CHECK(q.users_with_messages() == 0);
  CHECK(q.peek("u1", 10, t0).empty());
}

TEST_CASE("offline queue: ten thousand enqueues in one transaction") {
  // A throughput smoke test, not a timed assertion.
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 1000, 7 * day_ms);
  const std::string payload(200, 'x');
  std::size_t dropped = 0;
  db.in_transaction([&] {
    for (int i = 0; i < 10'000; ++i)
      dropped += q.enqueue("user" + std::to_string(i % 20), "room_message", payload, t0 + i);
  });
  CHECK(dropped == 0);
  CHECK(q.total() == 10'000);
  CHECK(q.users_with_messages() == 20);
  CHECK(q.size("user7") == 500);
}

TEST_CASE("offline queue: a message with an identity is stored once per user") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 1000, 7 * day_ms);
  CHECK(q.enqueue_once("bob", "room_message", "{\"n\":1}", t0, "m1") == std::optional<std::size_t>{0});
  CHECK_FALSE(q.enqueue_once("bob", "room_message", "{\"n\":1}", t0 + 1, "m1").has_value());
  CHECK(q.enqueue_once("ann", "room_message", "{\"n\":1}", t0, "m1").has_value()); // another user
  CHECK(q.enqueue_once("bob", "notification", "{\"n\":2}", t0, "").has_value());   // no identity
  CHECK(q.enqueue_once("bob", "notification", "{\"n\":2}", t0, "").has_value());   // ... never a duplicate
  CHECK(q.size("bob") == 3);
  CHECK(payloads(q.peek("bob", 10, t0 + 2)) == std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":2}"});
}

TEST_CASE("offline queue: peek_page pages by id and by bytes, at least one message a page") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 1000, 7 * day_ms);
  for (int i = 0; i < 5; ++i)
    q.enqueue("u1", "e", std::string(100, static_cast<char>('a' + i)), t0); // 101 bytes each
  q.enqueue("u2", "e", "other", t0);
  // 250 bytes: the page stops once it reaches them (three messages, 303 bytes).
  auto first = q.peek_page("u1", 0, 10, 250, t0);
  REQUIRE(first.size() == 3);
  CHECK(first[0].payload[0] == 'a');
  CHECK(first[2].payload[0] == 'c');
  // The next page starts after the last id, whether or not the first was removed.
  auto second = q.peek_page("u1", first.back().id, 10, 250, t0);
  REQUIRE(second.size() == 2);
  CHECK(second[0].payload[0] == 'd');
  CHECK(second[1].payload[0] == 'e');
  CHECK(q.peek_page("u1", second.back().id, 10, 250, t0).empty());
  // A message larger than the page still goes, alone; the count bound holds too.
  CHECK(q.peek_page("u1", 0, 10, 1, t0).size() == 1);
  CHECK(q.peek_page("u1", 0, 2, 100000, t0).size() == 2);
}
