#include "storage/offline_queue.hpp"
#include "storage/statement_reset.hpp"

#include <algorithm>
#include <limits>

namespace qc::storage {

namespace {

std::int64_t clamped(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

// A message is expired when created_ms + ttl <= now, i.e. created_ms <= now - ttl:
// this bound, saturated so that an extreme TTL cannot overflow.
std::int64_t expired_up_to(std::int64_t now_ms, std::int64_t ttl_ms) {
  std::int64_t bound = 0;
  if (__builtin_sub_overflow(now_ms, ttl_ms, &bound))
    return ttl_ms > 0 ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
  return bound;
}

std::uint64_t count(SQLite::Statement& s) {
  const reset_after r(s);
  s.executeStep();
  return static_cast<std::uint64_t>(s.getColumn(0).getInt64());
}

} // namespace

offline_queue::offline_queue(database& db, std::size_t max_per_user, std::int64_t ttl_ms)
    : max_per_user_(clamped(max_per_user)),
      ttl_ms_(ttl_ms),
      insert_(db.handle(), "INSERT OR IGNORE INTO offline_messages (user_id, event, payload, created_ms, message_id)"
                           " VALUES (?, ?, ?, ?, ?)"),
      select_count_(db.handle(), "SELECT count FROM offline_counts WHERE user_id = ?"),
      drop_oldest_(db.handle(), "DELETE FROM offline_messages WHERE id IN"
                                " (SELECT id FROM offline_messages WHERE user_id = ? ORDER BY id LIMIT ?)"),
      select_live_(db.handle(), "SELECT id, event, payload, created_ms FROM offline_messages"
                                " WHERE user_id = ? AND created_ms > ? AND id > ? ORDER BY id LIMIT ?"),
      delete_one_(db.handle(), "DELETE FROM offline_messages WHERE id = ? AND user_id = ?"),
      delete_expired_(db.handle(), "DELETE FROM offline_messages WHERE created_ms <= ?"),
      sum_counts_(db.handle(), "SELECT COALESCE(SUM(count), 0) FROM offline_counts"),
      count_users_(db.handle(), "SELECT COUNT(*) FROM offline_counts") {}

std::size_t offline_queue::enqueue(std::string_view user, std::string_view event, std::string_view payload,
                                   std::int64_t now_ms) {
  return enqueue_once(user, event, payload, now_ms, {}).value_or(0);
}

std::optional<std::size_t> offline_queue::enqueue_once(std::string_view user, std::string_view event,
                                                       std::string_view payload, std::int64_t now_ms,
                                                       std::string_view message_id) {
  const std::string u(user);
  {
    const reset_after r(insert_);
    insert_.bind(1, u);
    insert_.bind(2, std::string(event));
    insert_.bind(3, std::string(payload));
    insert_.bind(4, now_ms);
    if (message_id.empty())
      insert_.bind(5); // NULL: no identity, never a duplicate
    else
      insert_.bind(5, std::string(message_id));
    if (insert_.exec() == 0)
      return std::nullopt; // this user has it queued already
  }
  // The insert trigger has counted the message: one key lookup, no scan.
  const auto held = static_cast<std::int64_t>(size(u));
  if (held <= max_per_user_)
    return 0;
  // exec() counts the rows this statement deleted, not the trigger's updates.
  return static_cast<std::size_t>(exec_once(drop_oldest_, u, held - max_per_user_));
}

std::vector<offline_message> offline_queue::peek(std::string_view user, std::size_t limit, std::int64_t now_ms) {
  return peek_page(user, 0, limit, std::numeric_limits<std::size_t>::max(), now_ms);
}

std::vector<offline_message> offline_queue::peek_page(std::string_view user, std::int64_t after_id,
                                                      std::size_t limit, std::size_t max_bytes,
                                                      std::int64_t now_ms) {
  std::vector<offline_message> out;
  std::size_t bytes = 0;
  const reset_after r(select_live_);
  select_live_.bind(1, std::string(user));
  select_live_.bind(2, expired_up_to(now_ms, ttl_ms_));
  select_live_.bind(3, after_id);
  select_live_.bind(4, clamped(limit));
  while (bytes < max_bytes && select_live_.executeStep()) {
    out.push_back(offline_message{select_live_.getColumn(0).getInt64(), select_live_.getColumn(1).getString(),
                                  select_live_.getColumn(2).getString(), select_live_.getColumn(3).getInt64()});
    bytes += out.back().event.size() + out.back().payload.size();
  }
  return out;
}

std::size_t offline_queue::remove(std::string_view user, const std::vector<std::int64_t>& ids) {
  const std::string u(user);
  std::size_t removed = 0;
  for (const std::int64_t id : ids)
    removed += static_cast<std::size_t>(exec_once(delete_one_, id, u));
  return removed;
}

std::size_t offline_queue::purge_expired(std::int64_t now_ms) {
  return static_cast<std::size_t>(exec_once(delete_expired_, expired_up_to(now_ms, ttl_ms_)));
}

std::uint64_t offline_queue::size(std::string_view user) {
  const reset_after r(select_count_);
  select_count_.bind(1, std::string(user));
  return select_count_.executeStep() ? static_cast<std::uint64_t>(select_count_.getColumn(0).getInt64()) : 0;
}

std::uint64_t offline_queue::total() {
  return count(sum_counts_);
}

std::uint64_t offline_queue::users_with_messages() {
  return count(count_users_);
}

} // namespace qc::storage
