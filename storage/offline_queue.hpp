#pragma once
// The durable per-user offline queue (PROTOCOL.md §7): messages for a user with no live
// connection, kept up to bounds per user (messages and bytes) and per sender within a
// user's queue, and for a TTL, and removed only once the caller has written them to
// the user's socket.
//
// Who pays when a user's queue is over its bound: the sender holding the most of it
// (by the measure that is over), oldest first. With one sender that is plain oldest
// first; with several, one sender flooding a user pushes out its own messages, not
// everyone else's. A message's size is its event name plus its payload.
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

/// What one user's queue may hold. Unlimited unless set.
struct offline_bounds {
  std::size_t max_per_user = static_cast<std::size_t>(-1);        // messages
  std::uint64_t max_bytes_per_user = static_cast<std::uint64_t>(-1);
  std::uint64_t max_sender_bytes = static_cast<std::uint64_t>(-1); // one sender's part of one user's queue
};

/// What an enqueue pushed out to stay within the bounds.
struct enqueue_result {
  std::size_t dropped = 0;
};

class offline_queue {
public:
  /// A message expires once created_ms + ttl_ms <= now_ms.
  offline_queue(database& db, std::size_t max_per_user, std::int64_t ttl_ms);
  offline_queue(database& db, offline_bounds bounds, std::int64_t ttl_ms);

  /// Appends; if the user then holds more than max_per_user messages, deletes that
  /// user's oldest ones; returns how many were dropped.
  std::size_t enqueue(std::string_view user, std::string_view event, std::string_view payload,
                      std::int64_t now_ms);

  /// The same for a message with an identity: if this user already has `message_id`
  /// queued, nothing is stored and the result is empty; else how many were dropped.
  std::optional<std::size_t> enqueue_once(std::string_view user, std::string_view event,
                                          std::string_view payload, std::int64_t now_ms,
                                          std::string_view message_id);

  /// The same, from `sender` ("" for none): first that sender's part of the user's
  /// queue is brought within max_sender_bytes (its oldest go), then the user's queue
  /// within max_per_user and max_bytes_per_user (the biggest sender's oldest go).
  std::optional<enqueue_result> enqueue_from(std::string_view user, std::string_view sender,
                                             std::string_view event, std::string_view payload,
                                             std::int64_t now_ms, std::string_view message_id);

  /// The bytes enqueue_from counts for a message.
  static std::uint64_t message_bytes(std::string_view event, std::string_view payload) {
    return event.size() + payload.size();
  }
  /// Oldest first, at most `limit`, only those not expired at now_ms. Does not remove.
  std::vector<offline_message> peek(std::string_view user, std::size_t limit, std::int64_t now_ms);
  /// Removes these ids of this user (ids of other users are ignored); returns how many
  /// were removed.
  std::size_t remove(std::string_view user, const std::vector<std::int64_t>& ids);
  /// Deletes every expired message of every user; returns how many.
  std::size_t purge_expired(std::int64_t now_ms);

  /// Messages stored for the user, expired ones included until purged.
  std::uint64_t size(std::string_view user);
  /// Messages stored for all users.
  std::uint64_t total();
  /// Bytes stored for the user, and for all users (message_bytes of each message).
  std::uint64_t bytes(std::string_view user);
  std::uint64_t total_bytes();
  /// Bytes `sender` holds in the user's queue.
  std::uint64_t sender_bytes(std::string_view user, std::string_view sender);
  /// Users with at least one stored message.
  std::uint64_t users_with_messages();

private:
  // Deletes the oldest message `sender` has queued for `user`; false if none.
  bool drop_oldest_of(const std::string& user, const std::string& sender);
  // The sender holding the most of the user's queue, in messages or in bytes.
  std::optional<std::string> biggest_sender(SQLite::Statement& by, const std::string& user);

  std::int64_t max_per_user_;
  std::int64_t max_bytes_per_user_;
  std::int64_t max_sender_bytes_;
  std::int64_t ttl_ms_;
  SQLite::Statement insert_;
  SQLite::Statement select_count_;
  SQLite::Statement select_user_;
  SQLite::Statement select_sender_bytes_;
  SQLite::Statement biggest_by_count_;
  SQLite::Statement biggest_by_bytes_;
  SQLite::Statement drop_oldest_of_;
  SQLite::Statement select_total_bytes_;
  SQLite::Statement select_live_;
  SQLite::Statement delete_one_;
  SQLite::Statement delete_expired_;
  SQLite::Statement sum_counts_;
  SQLite::Statement count_users_;
};

} // namespace qc::storage
