#pragma once
// Saved subscriptions per user (PROTOCOL.md §7): the rooms and streams a user joined,
// given back to the user's next connection. Survives a kill -9 once committed.
//
// Methods run inside the caller's transaction (database::begin()); they open none.
// The store must not outlive its database.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Statement.h>

#include "storage/database.hpp"

namespace qc::storage {

struct saved_stream {
  std::string symbol;
  std::vector<std::string> fields; // in the order given; may be empty
};

struct saved_subscriptions {
  std::vector<std::string> rooms;    // sorted by name
  std::vector<saved_stream> streams; // sorted by symbol
};

class subscription_store {
public:
  /// Prepares its statements once; the schema must be in place (database does that).
  explicit subscription_store(database& db);

  /// Idempotent.
  void save_room(std::string_view user, std::string_view room);
  /// No-op if absent.
  void forget_room(std::string_view user, std::string_view room);
  /// Upsert: replaces the fields of a stream already saved. Field names are any
  /// strings and round-trip exactly.
  void save_stream(std::string_view user, std::string_view symbol, const std::vector<std::string>& fields);
  /// No-op if absent.
  void forget_stream(std::string_view user, std::string_view symbol);

  saved_subscriptions load(std::string_view user);
  /// Users who saved this room, sorted.
  std::vector<std::string> users_in_room(std::string_view room);

  /// Totals over all users, for statistics.
  std::uint64_t saved_rooms();
  std::uint64_t saved_streams();

private:
  SQLite::Statement insert_room_;
  SQLite::Statement delete_room_;
  SQLite::Statement insert_stream_;
  SQLite::Statement delete_stream_;
  SQLite::Statement delete_fields_;
  SQLite::Statement insert_field_;
  SQLite::Statement select_rooms_;
  SQLite::Statement select_streams_;
  SQLite::Statement select_room_users_;
  SQLite::Statement count_rooms_;
  SQLite::Statement count_streams_;
};

} // namespace qc::storage
