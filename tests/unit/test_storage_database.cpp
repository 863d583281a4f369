#include <filesystem>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

using namespace qc::storage;
namespace fs = std::filesystem;
using qc::test::temp_dir;

namespace {

std::int64_t count_rows(database& db, const char* table) {
  return db.handle().execAndGet(std::string("SELECT COUNT(*) FROM ") + table).getInt64();
}

} // namespace

TEST_CASE("storage: a new file gets the schema, its version and its parent directory") {
  temp_dir dir;
  const auto file = dir.path() / "nested" / "deeper" / "quotecast.db";
  database db(file);
  CHECK(fs::exists(file));
  CHECK(database::latest_schema_version() >= 1);
  CHECK(db.schema_version() == database::latest_schema_version());
  for (const char* table : {"schema_version", "saved_rooms", "saved_streams", "saved_stream_fields",
                            "offline_messages", "offline_counts"})
    CHECK_MESSAGE(db.handle().tableExists(table), table);
  CHECK(count_rows(db, "schema_version") == database::latest_schema_version());
}

TEST_CASE("storage: WAL mode, synchronous level, foreign keys") {
  temp_dir dir;
  {
    database db(dir.path() / "a.db");
    CHECK(db.handle().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db.handle().execAndGet("PRAGMA synchronous").getInt() == 1); // NORMAL
    CHECK(db.handle().execAndGet("PRAGMA foreign_keys").getInt() == 1);
  }
  database full(dir.path() / "a.db", sync_mode::full);
  CHECK(full.handle().execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(full.handle().execAndGet("PRAGMA synchronous").getInt() == 2); // FULL
}

TEST_CASE("storage: reopening keeps the data and does not re-run migrations") {
  temp_dir dir;
  const auto file = dir.path() / "q.db";
  std::int64_t applied_ms = 0;
  {
    database db(file);
    db.handle().exec("INSERT INTO saved_rooms (user_id, room) VALUES ('u1', 'lobby')");
    applied_ms = db.handle().execAndGet("SELECT applied_ms FROM schema_version WHERE version = 1").getInt64();
  }
  database again(file);
  CHECK(again.schema_version() == database::latest_schema_version());
  CHECK(count_rows(again, "schema_version") == database::latest_schema_version());
  CHECK(again.handle().execAndGet("SELECT applied_ms FROM schema_version WHERE version = 1").getInt64() ==
        applied_ms);
  CHECK(count_rows(again, "saved_rooms") == 1);
}

TEST_CASE("storage: a file from a newer build is refused, naming both versions") {
  temp_dir dir;
  const auto file = dir.path() / "q.db";
  const int latest = database::latest_schema_version();
  { database db(file); }
  {
    SQLite::Database raw(file.string(), SQLite::OPEN_READWRITE);
    SQLite::Statement bump(raw, "INSERT INTO schema_version (version, applied_ms) VALUES (?, 0)");
    bump.bind(1, latest + 1);
    bump.exec();
  }
  std::string message;
  try {
    database db(file);
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  CHECK(message.find("schema version " + std::to_string(latest + 1)) != std::string::npos);
  CHECK(message.find("version " + std::to_string(latest) + " ") != std::string::npos);
  CHECK(message.find(file.string()) != std::string::npos);
}

TEST_CASE("storage: a committed transaction survives closing and reopening") {
  temp_dir dir;
  const auto file = dir.path() / "q.db";
  {
    database db(file);
    auto tx = db.begin();
    db.handle().exec("INSERT INTO saved_rooms (user_id, room) VALUES ('u1', 'a'), ('u2', 'b')");
    tx.commit();
  }
  {
    database db(file);
    CHECK(count_rows(db, "saved_rooms") == 2);
    db.in_transaction([&] { db.handle().exec("INSERT INTO saved_rooms (user_id, room) VALUES ('u3', 'c')"); });
    const int n = db.in_transaction([&] { return db.handle().execAndGet("SELECT COUNT(*) FROM saved_rooms").getInt(); });
    CHECK(n == 3);
  }
  database db(file);
  CHECK(count_rows(db, "saved_rooms") == 3);
}

TEST_CASE("storage: a rolled-back transaction leaves nothing") {
  temp_dir dir;
  const auto file = dir.path() / "q.db";
  {
    database db(file);
    {
      auto tx = db.begin();
      db.handle().exec("INSERT INTO saved_rooms (user_id, room) VALUES ('u1', 'a')");
    } // destroyed without commit()
    CHECK(count_rows(db, "saved_rooms") == 0);
    CHECK_THROWS_AS(db.in_transaction([&] {
                      db.handle().exec("INSERT INTO saved_rooms (user_id, room) VALUES ('u2', 'b')");
                      throw std::runtime_error("fails halfway");
                    }),
                    std::runtime_error);
    CHECK(count_rows(db, "saved_rooms") == 0);
  }
  database db(file);
  CHECK(count_rows(db, "saved_rooms") == 0);
}
