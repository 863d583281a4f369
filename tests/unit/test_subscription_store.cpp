#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "storage/database.hpp"
#include "storage/subscription_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace qc::storage;
namespace fs = std::filesystem;
using qc::test::temp_dir;

namespace {

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("subscription store: rooms and streams round-trip through a reopen, sorted") {
  temp_dir dir;
  const auto file = dir.path() / "q.db";
  {
    database db(file);
    subscription_store subs(db);
    auto tx = db.begin();
    subs.save_room("u1", "zeta");
    subs.save_room("u1", "alpha");
    subs.save_room("u1", "alpha"); // idempotent
    subs.save_stream("u1", "600519", {"price", "volume"});
    subs.save_stream("u1", "000001", {});
    subs.save_room("u2", "alpha");
    tx.commit();
  }
  database db(file);
  subscription_store subs(db);
  const auto saved = subs.load("u1");
  CHECK(saved.rooms == strings{"alpha", "zeta"});
  REQUIRE(saved.streams.size() == 2);
  CHECK(saved.streams[0].symbol == "000001");
  CHECK(saved.streams[0].fields.empty());
  CHECK(saved.streams[1].symbol == "600519");
  CHECK(saved.streams[1].fields == strings{"price", "volume"});
  CHECK(subs.saved_rooms() == 3);
  CHECK(subs.saved_streams() == 2);

  const auto nobody = subs.load("nobody");
  CHECK(nobody.rooms.empty());
  CHECK(nobody.streams.empty());
}

TEST_CASE("subscription store: odd field names round-trip exactly, in the order given") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  subscription_store subs(db);
  const strings odd{"z,first", "a\"quote\"", "new\nline", "ünïcødé 价格 📈", "'single'", ",", "x",
                    std::string(64, 'f'), std::string("nul\0byte", 8), "back\\slash", " spaced "};
  subs.save_stream("u1", "SYM", odd);
  const auto saved = subs.load("u1");
  REQUIRE(saved.streams.size() == 1);
  CHECK(saved.streams[0].fields == odd);
}

TEST_CASE("subscription store: saving a stream again replaces its fields") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  subscription_store subs(db);
  subs.save_stream("u1", "SYM", {"a", "b", "c"});
  subs.save_stream("u1", "SYM", {"c", "a"});
  auto saved = subs.load("u1");
  REQUIRE(saved.streams.size() == 1);
  CHECK(saved.streams[0].fields == strings{"c", "a"});
  subs.save_stream("u1", "SYM", {});
  saved = subs.load("u1");
  REQUIRE(saved.streams.size() == 1);
  CHECK(saved.streams[0].fields.empty());
  CHECK(subs.saved_streams() == 1);
  CHECK(db.handle().execAndGet("SELECT COUNT(*) FROM saved_stream_fields").getInt() == 0);
}

TEST_CASE("subscription store: forget removes only what it names") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  subscription_store subs(db);
  subs.save_room("u1", "a");
  subs.save_room("u1", "b");
  subs.save_room("u2", "a");
  subs.save_stream("u1", "S1", {"f1", "f2"});
  subs.save_stream("u1", "S2", {"g"});
  subs.save_stream("u2", "S1", {"h"});

  subs.forget_room("u1", "a");
  subs.forget_room("u1", "absent"); // no-op
  subs.forget_stream("u1", "S1");
  subs.forget_stream("u1", "absent"); // no-op

  auto u1 = subs.load("u1");
  CHECK(u1.rooms == strings{"b"});
  REQUIRE(u1.streams.size() == 1);
  CHECK(u1.streams[0].symbol == "S2");
  CHECK(u1.streams[0].fields == strings{"g"});
  auto u2 = subs.load("u2");
  CHECK(u2.rooms == strings{"a"});
  REQUIRE(u2.streams.size() == 1);
  CHECK(u2.streams[0].fields == strings{"h"});
  CHECK(subs.saved_rooms() == 2);
  CHECK(subs.saved_streams() == 2);
  // The forgotten stream's fields went with it.
  CHECK(db.handle().execAndGet("SELECT COUNT(*) FROM saved_stream_fields").getInt() == 2);
}

TEST_CASE("subscription store: users_in_room lists who saved the room, sorted") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  subscription_store subs(db);
  subs.save_room("carol", "lobby");
  subs.save_room("alice", "lobby");
  subs.save_room("bob", "lobby");
  subs.save_room("bob", "other");
  CHECK(subs.users_in_room("lobby") == strings{"alice", "bob", "carol"});
  CHECK(subs.users_in_room("other") == strings{"bob"});
  CHECK(subs.users_in_room("empty").empty());
  subs.forget_room("bob", "lobby");
  CHECK(subs.users_in_room("lobby") == strings{"alice", "carol"});
}

TEST_CASE("subscription store: a rolled-back batch saves nothing") {
  temp_dir dir;
  database db(dir.path() / "q.db");
  subscription_store subs(db);
  {
    auto tx = db.begin();
    subs.save_room("u1", "a");
    subs.save_stream("u1", "S", {"f"});
  }
  const auto saved = subs.load("u1");
  CHECK(saved.rooms.empty());
  CHECK(saved.streams.empty());
  CHECK(subs.saved_rooms() == 0);
}
