#include "storage/subscription_store.hpp"
#include "storage/statement_reset.hpp"

#include <utility>

namespace qc::storage {

namespace {

std::string text(std::string_view v) {
  return std::string(v);
}

std::uint64_t count(SQLite::Statement& s) {
  const reset_after r(s);
  s.executeStep();
  return static_cast<std::uint64_t>(s.getColumn(0).getInt64());
}

std::vector<std::string> strings(SQLite::Statement& s) {
  std::vector<std::string> out;
  while (s.executeStep())
    out.push_back(s.getColumn(0).getString());
  return out;
}

} // namespace

subscription_store::subscription_store(database& db)
    : insert_room_(db.handle(), "INSERT OR IGNORE INTO saved_rooms (user_id, room) VALUES (?, ?)"),
      delete_room_(db.handle(), "DELETE FROM saved_rooms WHERE user_id = ? AND room = ?"),
      insert_stream_(db.handle(), "INSERT OR IGNORE INTO saved_streams (user_id, symbol) VALUES (?, ?)"),
      delete_stream_(db.handle(), "DELETE FROM saved_streams WHERE user_id = ? AND symbol = ?"),
      delete_fields_(db.handle(), "DELETE FROM saved_stream_fields WHERE user_id = ? AND symbol = ?"),
      insert_field_(db.handle(),
                    "INSERT INTO saved_stream_fields (user_id, symbol, position, field) VALUES (?, ?, ?, ?)"),
      select_rooms_(db.handle(), "SELECT room FROM saved_rooms WHERE user_id = ? ORDER BY room"),
      // LEFT JOIN: a stream saved with no fields is one row with a NULL field.
      select_streams_(db.handle(), "SELECT s.symbol, f.field FROM saved_streams s"
                                   " LEFT JOIN saved_stream_fields f ON f.user_id = s.user_id AND f.symbol = s.symbol"
                                   " WHERE s.user_id = ? ORDER BY s.symbol, f.position"),
      select_room_users_(db.handle(), "SELECT user_id FROM saved_rooms WHERE room = ? ORDER BY user_id"),
      count_rooms_(db.handle(), "SELECT COUNT(*) FROM saved_rooms"),
      count_streams_(db.handle(), "SELECT COUNT(*) FROM saved_streams") {}

void subscription_store::save_room(std::string_view user, std::string_view room) {
  exec_once(insert_room_, text(user), text(room));
}

void subscription_store::forget_room(std::string_view user, std::string_view room) {
  exec_once(delete_room_, text(user), text(room));
}

void subscription_store::save_stream(std::string_view user, std::string_view symbol,
                                     const std::vector<std::string>& fields) {
  const std::string u = text(user);
  const std::string s = text(symbol);
  exec_once(insert_stream_, u, s);
  exec_once(delete_fields_, u, s);
  std::int64_t position = 0;
  for (const auto& field : fields)
    exec_once(insert_field_, u, s, position++, field);
}

void subscription_store::forget_stream(std::string_view user, std::string_view symbol) {
  const std::string u = text(user);
  const std::string s = text(symbol);
  // The fields go explicitly rather than by ON DELETE CASCADE, so nothing is left behind
  // on a connection that did not turn foreign keys on.
  exec_once(delete_fields_, u, s);
  exec_once(delete_stream_, u, s);
}

saved_subscriptions subscription_store::load(std::string_view user) {
  const std::string u = text(user);
  saved_subscriptions out;
  {
    const reset_after r(select_rooms_);
    select_rooms_.bind(1, u);
    out.rooms = strings(select_rooms_);
  }
  const reset_after r(select_streams_);
  select_streams_.bind(1, u);
  while (select_streams_.executeStep()) {
    std::string symbol = select_streams_.getColumn(0).getString();
    if (out.streams.empty() || out.streams.back().symbol != symbol)
      out.streams.push_back(saved_stream{std::move(symbol), {}});
    const SQLite::Column field = select_streams_.getColumn(1);
    if (!field.isNull())
      out.streams.back().fields.push_back(field.getString());
  }
  return out;
}

std::vector<std::string> subscription_store::users_in_room(std::string_view room) {
  const reset_after r(select_room_users_);
  select_room_users_.bind(1, text(room));
  return strings(select_room_users_);
}

std::uint64_t subscription_store::saved_rooms() {
  return count(count_rooms_);
}

std::uint64_t subscription_store::saved_streams() {
  return count(count_streams_);
}

} // namespace qc::storage
