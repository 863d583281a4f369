#include "storage/subscription_store.hpp"

#include <utility>

namespace qc::storage {

namespace {

// Resets a prepared statement after one use, also on an exception: a SELECT left
// mid-step keeps its read snapshot open, which stops WAL checkpoints.
class reset_after {
public:
  explicit reset_after(SQLite::Statement& s) : s_(s) {}
  ~reset_after() { s_.tryReset(); }
  reset_after(const reset_after&) = delete;
  reset_after& operator=(const reset_after&) = delete;

private:
  SQLite::Statement& s_;
};

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
  const reset_after r(insert_room_);
  insert_room_.bind(1, text(user));
  insert_room_.bind(2, text(room));
  insert_room_.exec();
}

void subscription_store::forget_room(std::string_view user, std::string_view room) {
  const reset_after r(delete_room_);
  delete_room_.bind(1, text(user));
  delete_room_.bind(2, text(room));
  delete_room_.exec();
}

void subscription_store::save_stream(std::string_view user, std::string_view symbol,
                                     const std::vector<std::string>& fields) {
  const std::string u = text(user);
  const std::string s = text(symbol);
  {
    const reset_after r(insert_stream_);
    insert_stream_.bind(1, u);
    insert_stream_.bind(2, s);
    insert_stream_.exec();
  }
  {
    const reset_after r(delete_fields_);
    delete_fields_.bind(1, u);
    delete_fields_.bind(2, s);
    delete_fields_.exec();
  }
  std::int64_t position = 0;
  for (const auto& field : fields) {
    const reset_after r(insert_field_);
    insert_field_.bind(1, u);
    insert_field_.bind(2, s);
    insert_field_.bind(3, position++);
    insert_field_.bind(4, field);
    insert_field_.exec();
  }
}

void subscription_store::forget_stream(std::string_view user, std::string_view symbol) {
  const std::string u = text(user);
  const std::string s = text(symbol);
  // The fields go explicitly rather than by ON DELETE CASCADE, so nothing is left behind
  // on a connection that did not turn foreign keys on.
  {
    const reset_after r(delete_fields_);
    delete_fields_.bind(1, u);
    delete_fields_.bind(2, s);
    delete_fields_.exec();
  }
  const reset_after r(delete_stream_);
  delete_stream_.bind(1, u);
  delete_stream_.bind(2, s);
  delete_stream_.exec();
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
