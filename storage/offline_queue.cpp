#include "storage/offline_queue.hpp"
#include "storage/statement_reset.hpp"

#include <algorithm>
#include <limits>

namespace qc::storage {

namespace {

std::int64_t clamped(std::uint64_t n) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(n, std::numeric_limits<std::int64_t>::max()));
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
    : offline_queue(db, offline_bounds{max_per_user}, ttl_ms) {}

offline_queue::offline_queue(database& db, offline_bounds bounds, std::int64_t ttl_ms)
    : max_per_user_(clamped(bounds.max_per_user)),
      max_bytes_per_user_(clamped(bounds.max_bytes_per_user)),
      max_sender_bytes_(clamped(bounds.max_sender_bytes)),
      ttl_ms_(ttl_ms),
      insert_(db.handle(), "INSERT OR IGNORE INTO offline_messages"
                           " (user_id, event, payload, created_ms, message_id, sender, bytes)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)"),
      select_count_(db.handle(), "SELECT count FROM offline_counts WHERE user_id = ?"),
      select_user_(db.handle(), "SELECT count, bytes FROM offline_counts WHERE user_id = ?"),
      select_sender_bytes_(db.handle(), "SELECT bytes FROM offline_sender_counts WHERE user_id = ? AND sender = ?"),
      biggest_by_count_(db.handle(), "SELECT sender FROM offline_sender_counts WHERE user_id = ?"
                                     " ORDER BY count DESC LIMIT 1"),
      biggest_by_bytes_(db.handle(), "SELECT sender FROM offline_sender_counts WHERE user_id = ?"
                                     " ORDER BY bytes DESC LIMIT 1"),
      drop_oldest_of_(db.handle(), "DELETE FROM offline_messages WHERE id ="
                                   " (SELECT id FROM offline_messages WHERE user_id = ? AND sender = ?"
                                   " ORDER BY id LIMIT 1)"),
      select_total_bytes_(db.handle(), "SELECT bytes FROM offline_totals WHERE id = 1"),
      select_live_(db.handle(), "SELECT id, event, payload, created_ms FROM offline_messages"
                                " WHERE user_id = ? AND created_ms > ? ORDER BY id LIMIT ?"),
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
  auto r = enqueue_from(user, {}, event, payload, now_ms, message_id);
  if (!r)
    return std::nullopt;
  return r->dropped;
}

std::optional<enqueue_result> offline_queue::enqueue_from(std::string_view user, std::string_view sender,
                                                          std::string_view event, std::string_view payload,
                                                          std::int64_t now_ms, std::string_view message_id) {
  const std::string u(user);
  const std::string from(sender);
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
    insert_.bind(6, from);
    insert_.bind(7, clamped(message_bytes(event, payload)));
    if (insert_.exec() == 0)
      return std::nullopt; // this user has it queued already
  }
  // The insert triggers have counted the message: each check below is one key lookup.
  enqueue_result out;
  while (clamped(sender_bytes(u, from)) > max_sender_bytes_ && drop_oldest_of(u, from))
    ++out.dropped;
  while (true) {
    std::int64_t count = 0;
    std::int64_t held = 0;
    {
      const reset_after r(select_user_);
      select_user_.bind(1, u);
      if (!select_user_.executeStep())
        break;
      count = select_user_.getColumn(0).getInt64();
      held = select_user_.getColumn(1).getInt64();
    }
    std::optional<std::string> victim;
    if (count > max_per_user_)
      victim = biggest_sender(biggest_by_count_, u);
    else if (held > max_bytes_per_user_)
      victim = biggest_sender(biggest_by_bytes_, u);
    else
      break;
    if (!victim || !drop_oldest_of(u, *victim))
      break; // the counters say more than the rows hold: nothing left to drop
    ++out.dropped;
  }
  return out;
}

bool offline_queue::drop_oldest_of(const std::string& user, const std::string& sender) {
  return exec_once(drop_oldest_of_, user, sender) > 0;
}

std::optional<std::string> offline_queue::biggest_sender(SQLite::Statement& by, const std::string& user) {
  const reset_after r(by);
  by.bind(1, user);
  if (!by.executeStep())
    return std::nullopt;
  return by.getColumn(0).getString();
}

std::vector<offline_message> offline_queue::peek(std::string_view user, std::size_t limit, std::int64_t now_ms) {
  std::vector<offline_message> out;
  const reset_after r(select_live_);
  select_live_.bind(1, std::string(user));
  select_live_.bind(2, expired_up_to(now_ms, ttl_ms_));
  select_live_.bind(3, clamped(limit));
  while (select_live_.executeStep())
    out.push_back(offline_message{select_live_.getColumn(0).getInt64(), select_live_.getColumn(1).getString(),
                                  select_live_.getColumn(2).getString(), select_live_.getColumn(3).getInt64()});
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

std::uint64_t offline_queue::bytes(std::string_view user) {
  const reset_after r(select_user_);
  select_user_.bind(1, std::string(user));
  return select_user_.executeStep() ? static_cast<std::uint64_t>(select_user_.getColumn(1).getInt64()) : 0;
}

std::uint64_t offline_queue::total_bytes() {
  const reset_after r(select_total_bytes_);
  return select_total_bytes_.executeStep()
           ? static_cast<std::uint64_t>(select_total_bytes_.getColumn(0).getInt64())
           : 0;
}

std::uint64_t offline_queue::sender_bytes(std::string_view user, std::string_view sender) {
  const reset_after r(select_sender_bytes_);
  select_sender_bytes_.bind(1, std::string(user));
  select_sender_bytes_.bind(2, std::string(sender));
  return select_sender_bytes_.executeStep()
           ? static_cast<std::uint64_t>(select_sender_bytes_.getColumn(0).getInt64())
           : 0;
}

std::uint64_t offline_queue::users_with_messages() {
  return count(count_users_);
}

} // namespace qc::storage
