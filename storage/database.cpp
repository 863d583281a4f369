#include "storage/database.hpp"

#include <chrono>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>

#include <SQLiteCpp/Statement.h>

namespace qc::storage {

namespace {

struct migration {
  int version;
  const char* sql;
};

// Forward migrations, applied in order, each in its own transaction. Never edit a step
// that has shipped: add a new one. Step N records itself in schema_version.
constexpr migration migrations[] = {
    {1, R"sql(
CREATE TABLE schema_version (
  version    INTEGER PRIMARY KEY,
  applied_ms INTEGER NOT NULL
);

CREATE TABLE saved_rooms (
  user_id TEXT NOT NULL,
  room    TEXT NOT NULL,
  PRIMARY KEY (user_id, room)
) WITHOUT ROWID;
-- users_in_room()
CREATE INDEX saved_rooms_by_room ON saved_rooms (room, user_id);

CREATE TABLE saved_streams (
  user_id TEXT NOT NULL,
  symbol  TEXT NOT NULL,
  PRIMARY KEY (user_id, symbol)
) WITHOUT ROWID;

-- One row per field, so any field name round-trips; position keeps the given order.
CREATE TABLE saved_stream_fields (
  user_id  TEXT NOT NULL,
  symbol   TEXT NOT NULL,
  position INTEGER NOT NULL,
  field    TEXT NOT NULL,
  PRIMARY KEY (user_id, symbol, position),
  FOREIGN KEY (user_id, symbol) REFERENCES saved_streams (user_id, symbol) ON DELETE CASCADE
) WITHOUT ROWID;

-- AUTOINCREMENT: ids are never reused, so FIFO order is the id order and an id a
-- caller peeked can never come to name a newer message.
CREATE TABLE offline_messages (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    TEXT NOT NULL,
  event      TEXT NOT NULL,
  payload    TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX offline_messages_by_user ON offline_messages (user_id, id);
-- purge_expired()
CREATE INDEX offline_messages_by_created ON offline_messages (created_ms);

-- Messages per user, kept by triggers so that every insert or delete, whatever its
-- path, keeps it exact; the per-user bound reads one row instead of counting.
CREATE TABLE offline_counts (
  user_id TEXT PRIMARY KEY,
  count   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER offline_messages_counted AFTER INSERT ON offline_messages BEGIN
  INSERT INTO offline_counts (user_id, count) VALUES (new.user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER offline_messages_uncounted AFTER DELETE ON offline_messages BEGIN
  UPDATE offline_counts SET count = count - 1 WHERE user_id = old.user_id;
  DELETE FROM offline_counts WHERE user_id = old.user_id AND count <= 0;
END;
)sql"},
    // A message that reaches a user's queue by two paths (the sender found the user
    // away; the user's closing session had it in flight) is stored once.
    {2, R"sql(
ALTER TABLE offline_messages ADD COLUMN message_id TEXT;
CREATE UNIQUE INDEX offline_messages_once ON offline_messages (user_id, message_id)
  WHERE message_id IS NOT NULL;
)sql"},
    // Bounds in bytes, not only in messages: each message records its size and its
    // sender, and triggers keep per-user, per-(user, sender) and store-wide sums, so
    // every bound reads one row instead of scanning. Rows from before get their size
    // computed once here and the empty sender ("").
    {3, R"sql(
ALTER TABLE offline_messages ADD COLUMN sender TEXT NOT NULL DEFAULT '';
ALTER TABLE offline_messages ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE offline_messages SET bytes = length(CAST(event AS BLOB)) + length(CAST(payload AS BLOB));
-- the oldest message of one sender for one user
CREATE INDEX offline_messages_by_sender ON offline_messages (user_id, sender, id);

ALTER TABLE offline_counts ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE offline_counts SET bytes =
  (SELECT COALESCE(SUM(m.bytes), 0) FROM offline_messages m WHERE m.user_id = offline_counts.user_id);

CREATE TABLE offline_sender_counts (
  user_id TEXT NOT NULL,
  sender  TEXT NOT NULL,
  count   INTEGER NOT NULL,
  bytes   INTEGER NOT NULL,
  PRIMARY KEY (user_id, sender)
) WITHOUT ROWID;
INSERT INTO offline_sender_counts (user_id, sender, count, bytes)
  SELECT user_id, sender, COUNT(*), SUM(bytes) FROM offline_messages GROUP BY user_id, sender;
-- the sender holding the most of one user's queue
CREATE INDEX offline_sender_counts_by_count ON offline_sender_counts (user_id, count);
CREATE INDEX offline_sender_counts_by_bytes ON offline_sender_counts (user_id, bytes);

CREATE TABLE offline_totals (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  count INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
INSERT INTO offline_totals (id, count, bytes)
  SELECT 1, COUNT(*), COALESCE(SUM(bytes), 0) FROM offline_messages;

DROP TRIGGER offline_messages_counted;
DROP TRIGGER offline_messages_uncounted;

CREATE TRIGGER offline_messages_counted AFTER INSERT ON offline_messages BEGIN
  INSERT INTO offline_counts (user_id, count, bytes) VALUES (new.user_id, 1, new.bytes)
    ON CONFLICT (user_id) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
  INSERT INTO offline_sender_counts (user_id, sender, count, bytes)
    VALUES (new.user_id, new.sender, 1, new.bytes)
    ON CONFLICT (user_id, sender) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
  UPDATE offline_totals SET count = count + 1, bytes = bytes + new.bytes WHERE id = 1;
END;

CREATE TRIGGER offline_messages_uncounted AFTER DELETE ON offline_messages BEGIN
  UPDATE offline_counts SET count = count - 1, bytes = bytes - old.bytes WHERE user_id = old.user_id;
  DELETE FROM offline_counts WHERE user_id = old.user_id AND count <= 0;
  UPDATE offline_sender_counts SET count = count - 1, bytes = bytes - old.bytes
    WHERE user_id = old.user_id AND sender = old.sender;
  DELETE FROM offline_sender_counts WHERE user_id = old.user_id AND sender = old.sender AND count <= 0;
  UPDATE offline_totals SET count = count - 1, bytes = bytes - old.bytes WHERE id = 1;
END;
)sql"},
};

constexpr bool versions_are_consecutive() {
  int expected = 1;
  for (const auto& m : migrations)
    if (m.version != expected++)
      return false;
  return true;
}
static_assert(versions_are_consecutive(), "migrations must be numbered 1, 2, 3, ... in order");

int read_version(SQLite::Database& db) {
  // Version 0: a new, empty file.
  if (!db.tableExists("schema_version"))
    return 0;
  return db.execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_version").getInt();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string parent_created(const std::filesystem::path& path) {
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path());
  return path.string();
}

} // namespace

database::database(const std::filesystem::path& path, sync_mode sync, int busy_timeout_ms)
    : path_(path),
      db_(parent_created(path), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, busy_timeout_ms) {
  // WAL: readers do not block the writer, and a commit is one append to the log.
  const std::string mode = db_.execAndGet("PRAGMA journal_mode=WAL").getString();
  if (mode != "wal")
    throw std::runtime_error("database " + path_.string() + ": cannot enable WAL mode (journal_mode is " +
                             mode + ")");
  db_.exec(sync == sync_mode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db_.exec("PRAGMA foreign_keys=ON");

  const int found = read_version(db_);
  const int latest = latest_schema_version();
  if (found > latest)
    throw std::runtime_error("database " + path_.string() + " has schema version " + std::to_string(found) +
                             ", newer than version " + std::to_string(latest) +
                             " that this build knows; refusing to open it");

  for (const auto& m : migrations) {
    if (m.version <= found)
      continue;
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    // Another process may have migrated while we waited for the write lock.
    if (read_version(db_) >= m.version)
      continue;
    db_.exec(m.sql);
    SQLite::Statement record(db_, "INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)");
    record.bind(1, m.version);
    record.bind(2, now_ms());
    record.exec();
    tx.commit();
  }
  version_ = read_version(db_);
}

int database::latest_schema_version() noexcept {
  return migrations[std::size(migrations) - 1].version;
}

} // namespace qc::storage
