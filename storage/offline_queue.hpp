#pragma once
// The durable per-user offline queue (PROTOCOL.md §7): messages for a user with no live
// connection, kept up to a bound per user (oldest dropped first) and for a TTL, and
// removed only once the caller has written them to the user's socket.
//
// Order is strict FIFO by insertion: ids come from an AUTOINCREMENT key and are never
// reused, not from timestamps. Methods run inside the caller's transaction
// (database::begin()); they open none. The queue must not outlive its database.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Statement.h>

#include "storage/database.hpp"

namespace qc::storage {

struct offline_message {
  std::int64_t id;
  std::string event;
  std::string payload;
  std::int64_t created_ms;
};

class offline_queue {
public:
  /// A message expires once created_ms + ttl_ms <= now_ms.
  offline_queue(database& db, std::size_t max_per_user, std::int64_t ttl_ms);

  /// Appends; if the user then holds more than max_per_user messages, deletes that
  /// user's oldest ones; returns how many were dropped.
  std::size_t enqueue(std::string_view user, std::string_view event, std::string_view payload,
                      std::int64_t now_ms);

  /// The same for a message with an identity: if this user already has `message_id`
  /// queued, nothing is stored and the result is empty; else how many were dropped.
  std::optional<std::size_t> enqueue_once(std::string_view user, std::string_view event,
                                          std::string_view payload, std::int64_t now_ms,
                                          std::string_view message_id);
  /// Oldest first, at most `limit`, only those not expired at now_ms. Does not remove.
  std::vector<offline_message> peek(std::string_view user, std::size_t limit, std::int64_t now_ms);
  /// A page of the same: only ids after `after_id`, and stops once event and payload
  /// of the page reach `max_bytes` (at least one message), so a reader pages through
  /// a large queue without loading it whole.
  std::vector<offline_message> peek_page(std::string_view user, std::int64_t after_id,
                                         std::size_t limit, std::size_t max_bytes,
                                         std::int64_t now_ms);
  /// Removes these ids of this user (ids of other users are ignored); returns how many
  /// were removed.
  std::size_t remove(std::string_view user, const std::vector<std::int64_t>& ids);
  /// Deletes every expired message of every user; returns how many.
  std::size_t purge_expired(std::int64_t now_ms);

  /// Messages stored for the user, expired ones included until purged.
  std::uint64_t size(std::string_view user);
  /// Messages stored for all users.
  std::uint64_t total();
  /// Users with at least one stored message.
  std::uint64_t users_with_messages();

private:
  std::int64_t max_per_user_;
  std::int64_t ttl_ms_;
  SQLite::Statement insert_;
  SQLite::Statement select_count_;
  SQLite::Statement drop_oldest_;
  SQLite::Statement select_live_;
  SQLite::Statement delete_one_;
  SQLite::Statement delete_expired_;
  SQLite::Statement sum_counts_;
  SQLite::Statement count_users_;
};

} // namespace qc::storage
