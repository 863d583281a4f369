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

// -- bounds in bytes -------------------------------------------------------------------

namespace {

// A message of exactly n bytes as the queue counts them (event "e" + payload).
std::string payload_of(std::size_t n, char c = 'x') {
  return std::string(n - 1, c);
}

std::vector<std::string> senders_in_order(const std::vector<offline_message>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs)
    out.push_back(m.payload.substr(0, 1));
  return out;
}

} // namespace

TEST_CASE("offline queue: bytes are counted per user, per sender and in total, without scans") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, 1000, 7 * day_ms);
  CHECK(offline_queue::message_bytes("e", "1234") == 5);
  REQUIRE(q.enqueue_from("u1", "ann", "e", payload_of(100), t0, ""));
  REQUIRE(q.enqueue_from("u1", "bob", "e", payload_of(50), t0, ""));
  REQUIRE(q.enqueue_from("u2", "ann", "e", payload_of(10), t0, ""));
  CHECK(q.bytes("u1") == 150);
  CHECK(q.bytes("u2") == 10);
  CHECK(q.sender_bytes("u1", "ann") == 100);
  CHECK(q.sender_bytes("u1", "bob") == 50);
  CHECK(q.sender_bytes("u2", "bob") == 0);
  CHECK(q.total_bytes() == 160);
  // Removal, expiry and rollback keep every counter exact.
  q.remove("u1", ids(q.peek("u1", 1, t0)));
  CHECK(q.bytes("u1") == 50);
  CHECK(q.sender_bytes("u1", "ann") == 0);
  CHECK(q.total_bytes() == 60);
  {
    auto tx = db.begin();
    q.enqueue_from("u3", "carl", "e", payload_of(1000), t0, "");
    CHECK(q.total_bytes() == 1060);
  }
  CHECK(q.total_bytes() == 60);
  CHECK(q.purge_expired(t0 + 8 * day_ms) == 2);
  CHECK(q.total_bytes() == 0);
  CHECK(q.bytes("u1") == 0);
}

TEST_CASE("offline queue: past the user's bytes the oldest go, as with the count") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, offline_bounds{1000, 1000}, 7 * day_ms);
  std::size_t dropped = 0;
  for (int i = 0; i < 25; ++i) // 25 messages of 100 bytes into 1000
    dropped += q.enqueue_from("u1", "", "e", std::to_string(i % 10) + payload_of(99), t0, "")->dropped;
  CHECK(dropped == 15);
  CHECK(q.bytes("u1") == 1000);
  CHECK(q.size("u1") == 10);
  CHECK(q.peek("u1", 1, t0).front().payload.front() == '5'); // 0..14 went, 15 is oldest
  // One big message pushes out as many small ones as it needs.
  CHECK(q.enqueue_from("u1", "", "e", payload_of(450), t0, "")->dropped == 5);
  CHECK(q.bytes("u1") == 950);
}

TEST_CASE("offline queue: one sender flooding a user pushes out its own messages, not the others'") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  // 1000 bytes per user, no per-sender cap: only the biggest-holder rule protects.
  offline_queue q(db, offline_bounds{1000, 1000}, 7 * day_ms);
  REQUIRE(q.enqueue_from("u1", "ann", "e", "a" + payload_of(99), t0, ""));
  REQUIRE(q.enqueue_from("u1", "bob", "e", "b" + payload_of(99), t0, ""));
  for (int i = 0; i < 100; ++i)
    REQUIRE(q.enqueue_from("u1", "mallory", "e", "m" + payload_of(99), t0, ""));
  CHECK(q.bytes("u1") == 1000);
  CHECK(q.sender_bytes("u1", "mallory") == 800);
  CHECK(senders_in_order(q.peek("u1", 100, t0))
        == std::vector<std::string>{"a", "b", "m", "m", "m", "m", "m", "m", "m", "m"});
  // The count bound works the same way.
  offline_queue by_count(db, offline_bounds{4}, 7 * day_ms);
  REQUIRE(by_count.enqueue_from("u2", "ann", "e", "a", t0, ""));
  for (int i = 0; i < 10; ++i)
    REQUIRE(by_count.enqueue_from("u2", "mallory", "e", "m", t0, ""));
  CHECK(senders_in_order(by_count.peek("u2", 100, t0)) == std::vector<std::string>{"a", "m", "m", "m"});
}

TEST_CASE("offline queue: one sender's part of a user's queue is capped; its own oldest go") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  offline_queue q(db, offline_bounds{1000, 10'000, 300}, 7 * day_ms);
  std::size_t dropped = 0;
  for (int i = 0; i < 10; ++i)
    dropped += q.enqueue_from("u1", "mallory", "e", std::to_string(i) + payload_of(99), t0, "")->dropped;
  REQUIRE(q.enqueue_from("u1", "ann", "e", "a" + payload_of(99), t0, ""));
  CHECK(dropped == 7);
  CHECK(q.sender_bytes("u1", "mallory") == 300);
  CHECK(q.sender_bytes("u1", "ann") == 100);
  CHECK(senders_in_order(q.peek("u1", 100, t0)) == std::vector<std::string>{"7", "8", "9", "a"});
  // Another user's queue is another part.
  REQUIRE(q.enqueue_from("u2", "mallory", "e", payload_of(300), t0, ""));
  CHECK(q.sender_bytes("u2", "mallory") == 300);
}

TEST_CASE("offline queue: migration 3 counts the bytes and senders of rows queued before it") {
  temp_dir dir;
  const auto file = dir.path() / "old.db";
  {
    // A version-2 file as an earlier build left it: migrations 1 and 2 only.
    database db(file);
    db.handle().exec("DROP TRIGGER offline_messages_counted; DROP TRIGGER offline_messages_uncounted;"
                     "DROP TABLE offline_sender_counts; DROP TABLE offline_totals;"
                     "DROP INDEX offline_messages_by_sender;"
                     "ALTER TABLE offline_messages DROP COLUMN sender;"
                     "ALTER TABLE offline_messages DROP COLUMN bytes;"
                     "ALTER TABLE offline_counts DROP COLUMN bytes;"
                     "DELETE FROM schema_version WHERE version = 3;"
                     "CREATE TRIGGER offline_messages_counted AFTER INSERT ON offline_messages BEGIN"
                     " INSERT INTO offline_counts (user_id, count) VALUES (new.user_id, 1)"
                     " ON CONFLICT (user_id) DO UPDATE SET count = count + 1; END;"
                     "CREATE TRIGGER offline_messages_uncounted AFTER DELETE ON offline_messages BEGIN"
                     " UPDATE offline_counts SET count = count - 1 WHERE user_id = old.user_id;"
                     " DELETE FROM offline_counts WHERE user_id = old.user_id AND count <= 0; END;"
                     "INSERT INTO offline_messages (user_id, event, payload, created_ms) VALUES"
                     " ('u1', 'e', '1234', 1), ('u1', 'ev', '\xC3\xA9', 2), ('u2', 'e', '', 3);");
    REQUIRE(db.handle().execAndGet("SELECT count FROM offline_counts WHERE user_id = 'u1'").getInt() == 2);
  }
  database db(file);
  CHECK(db.schema_version() == database::latest_schema_version());
  offline_queue q(db, 1000, 7 * day_ms);
  CHECK(q.bytes("u1") == 5 + 4); // bytes, not characters: "é" is 2
  CHECK(q.bytes("u2") == 1);
  CHECK(q.total_bytes() == 10);
  CHECK(q.sender_bytes("u1", "") == 9);
  CHECK(q.size("u1") == 2);
  // The new triggers keep counting from there.
  q.remove("u1", ids(q.peek("u1", 1, 0)));
  CHECK(q.bytes("u1") == 4);
  CHECK(q.total_bytes() == 5);
}
