#include "actors/stats/stats_snapshot.hpp"

#include <algorithm>
#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "actors/common/clock.hpp"

namespace qc {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put_count(json_writer& w, const char* key, std::uint64_t value) {
  w.Key(key);
  w.Uint64(value);
}

void put_time(json_writer& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

void put_text(json_writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void put_key(json_writer& w, const std::string& key) {
  w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
}

/// The rows of `list` that `page` selects, as [first, last).
template <class List>
std::pair<std::size_t, std::size_t> page_bounds(const List& list, const protocol::stats_page& page) {
  // offset and limit are client numbers: compare, never add, so nothing overflows.
  std::size_t first = page.offset >= list.size() ? list.size() : static_cast<std::size_t>(page.offset);
  std::size_t room = list.size() - first;
  std::size_t count = page.limit >= room ? room : static_cast<std::size_t>(page.limit);
  return {first, first + count};
}

/// The paging facts of one list: rows shown, where they start, whether more follow.
void put_paging(json_writer& w, std::size_t first, std::size_t last, std::size_t total) {
  put_count(w, "listed", last - first);
  put_count(w, "offset", first);
  w.Key("truncated");
  w.Bool(last < total);
  if (last < total)
    put_count(w, "next_offset", last);
}

void write_connections(json_writer& w, const stats_snapshot& s, const protocol::stats_page& page) {
  w.Key("connections");
  w.StartObject();
  // Sessions waiting for recovery are not connections (recovery.parked_sessions).
  put_count(w, "total_connections", s.sessions - s.parked);
  put_count(w, "total_users", s.per_user.size());
  put_count(w, "opened", s.connections_opened);
  put_count(w, "closed", s.connections_closed);
  w.Key("per_user");
  w.StartObject();
  auto [ufirst, ulast] = page_bounds(s.per_user, page);
  for (auto i = ufirst; i < ulast; ++i) {
    put_key(w, s.per_user[i].first);
    w.Uint64(s.per_user[i].second);
  }
  w.EndObject();
  w.Key("connections");
  w.StartArray();
  auto [first, last] = page_bounds(s.connections, page);
  for (auto i = first; i < last; ++i) {
    auto& c = s.connections[i];
    w.StartObject();
    put_text(w, "sid", c.sid);
    put_text(w, "user_id", c.user_id);
    put_text(w, "transport", c.transport);
    put_count(w, "messages_in", c.messages_in);
    put_count(w, "messages_out", c.messages_out);
    put_count(w, "errors", c.errors);
    put_count(w, "rooms", c.rooms);
    put_time(w, "connected_at", c.connected_ms);
    put_time(w, "last_activity", c.last_activity_ms);
    w.EndObject();
  }
  w.EndArray();
  put_paging(w, first, last, s.connections.size());
  w.EndObject();
}

void write_rooms(json_writer& w, const stats_snapshot& s, const protocol::stats_page& page) {
  w.Key("rooms");
  w.StartObject();
  put_count(w, "total_rooms", s.rooms.size());
  put_count(w, "active_rooms", s.active_rooms);
  put_count(w, "total_members", s.room_members);
  put_count(w, "total_join_events", s.room_joins);
  put_count(w, "total_leave_events", s.room_leaves);
  put_count(w, "total_messages", s.room_messages);
  put_count(w, "rooms_created", s.rooms_created);
  put_count(w, "rooms_retired", s.rooms_retired);
  w.Key("rooms");
  w.StartObject();
  auto [first, last] = page_bounds(s.rooms, page);
  for (auto i = first; i < last; ++i) {
    auto& r = s.rooms[i];
    put_key(w, r.name);
    w.StartObject();
    put_count(w, "members", r.members);
    put_count(w, "joins", r.joins);
    put_count(w, "leaves", r.leaves);
    put_count(w, "messages", r.messages);
    put_time(w, "created_at", r.created_ms);
    put_time(w, "last_message_at", r.last_message_ms);
    w.EndObject();
  }
  w.EndObject();
  put_paging(w, first, last, s.rooms.size());
  w.EndObject();
}

void write_streams(json_writer& w, const stats_snapshot& s, const protocol::stats_page& page) {
  w.Key("streams");
  w.StartObject();
  put_count(w, "active_streams", s.streams.size());
  put_count(w, "total_subscribers", s.stream_subscribers);
  put_count(w, "peak_subscribers", s.stream_peak);
  put_count(w, "total_ticks", s.stream_ticks);
  put_count(w, "total_messages_sent", s.stream_sent);
  put_count(w, "total_duplicates_dropped", s.stream_duplicates);
  w.Key("streams");
  w.StartObject();
  auto [first, last] = page_bounds(s.streams, page);
  for (auto i = first; i < last; ++i) {
    auto& st = s.streams[i];
    put_key(w, st.symbol);
    w.StartObject();
    put_count(w, "subscriber_count", st.subscriber_count);
    put_count(w, "peak_subscribers", st.peak_subscribers);
    put_count(w, "ticks", st.ticks);
    put_count(w, "messages_sent", st.messages_sent);
    put_count(w, "duplicates_dropped", st.duplicates_dropped);
    put_count(w, "filters", st.filters);
    put_count(w, "buffer_size", st.buffer_size);
    put_count(w, "buffer_bytes", st.buffer_bytes);
    put_count(w, "seq", st.seq);
    put_time(w, "last_update", st.last_update_ms);
    put_time(w, "created_at", st.created_ms);
    w.EndObject();
  }
  w.EndObject();
  put_paging(w, first, last, s.streams.size());
  w.EndObject();
}

void write_recovery(json_writer& w, const stats_snapshot& s, const settings& cfg) {
  auto& r = s.recovery;
  w.Key("recovery");
  w.StartObject();
  put_count(w, "window_ms", static_cast<std::uint64_t>(cfg.recovery.window.count()));
  put_count(w, "parked_sessions", r.parked_sessions);
  put_count(w, "parked_total", r.parked_total);
  put_count(w, "recovered", r.recovered);
  put_count(w, "recovery_gaps", r.recovery_gaps);
  put_count(w, "expired", r.expired);
  put_count(w, "refused_parks", r.refused_parks);
  put_count(w, "replayed_packets", r.replayed_packets);
  put_count(w, "parked_bytes", r.parked_bytes);
  w.EndObject();
  auto& p = s.persistence;
  w.Key("offline_queue");
  w.StartObject();
  put_count(w, "queued_offline", p.queued_offline);
  put_count(w, "delivered_offline", p.delivered_offline);
  put_count(w, "dropped_offline", p.dropped_offline);
  put_count(w, "expired_offline", p.expired_offline);
  put_count(w, "refused_offline", p.refused_offline);
  put_count(w, "total_offline_messages", p.total_offline_messages);
  put_count(w, "total_offline_bytes", p.total_offline_bytes);
  put_count(w, "users_with_offline_messages", p.users_with_offline_messages);
  put_count(w, "max_queue_size", cfg.storage.offline_max_per_user);
  put_count(w, "max_total", cfg.storage.offline_max_total);
  put_count(w, "max_bytes_per_user", cfg.storage.offline_max_bytes_per_user);
  put_count(w, "max_sender_bytes", cfg.storage.offline_max_sender_bytes);
  put_count(w, "max_total_bytes", cfg.storage.offline_max_total_bytes);
  w.EndObject();
  w.Key("saved_subscriptions");
  w.StartObject();
  put_count(w, "rooms", p.saved_rooms);
  put_count(w, "streams", p.saved_streams);
  w.EndObject();
  w.Key("storage");
  w.StartObject();
  put_count(w, "commits", p.commits);
  put_count(w, "write_errors", p.write_errors);
  w.EndObject();
}

} // namespace

void stats_snapshot::seal() {
  std::sort(connections.begin(), connections.end(), [](auto& a, auto& b) {
    return a.connected_ms != b.connected_ms ? a.connected_ms < b.connected_ms : a.sid < b.sid;
  });
  std::sort(rooms.begin(), rooms.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::sort(streams.begin(), streams.end(), [](auto& a, auto& b) { return a.symbol < b.symbol; });
  std::map<std::string, std::uint64_t> users;
  for (auto& c : connections)
    ++users[c.user_id];
  per_user.assign(users.begin(), users.end());
  for (auto& r : rooms) {
    room_members += r.members;
    room_joins += r.joins;
    room_leaves += r.leaves;
    room_messages += r.messages;
    active_rooms += r.members > 0 ? 1 : 0;
  }
  for (auto& st : streams) {
    stream_subscribers += st.subscriber_count;
    stream_peak = std::max(stream_peak, st.peak_subscribers);
    stream_sent += st.messages_sent;
    stream_duplicates += st.duplicates_dropped;
    stream_ticks += st.ticks;
  }
}

std::string render_stats(const stats_snapshot& s, const protocol::stats_page& page,
                         const settings& cfg, const stats_render_info& info) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  auto now = now_ms();
  w.StartObject();
  put_text(w, "node", info.node);
  put_time(w, "timestamp", now);
  put_time(w, "uptime_seconds", (now - info.started_ms) / 1000);
  // How fresh these figures are: gathered once, served to every request for
  // stats.cache-ms (docs/SECURITY.md).
  put_count(w, "stats_gathers", info.gathers);
  put_count(w, "snapshot_gather", s.gather);
  put_time(w, "snapshot_at", s.gathered_at_ms);
  put_time(w, "snapshot_age_ms", info.snapshot_age_ms);
  w.Key("page");
  w.StartObject();
  put_count(w, "limit", page.limit);
  put_count(w, "offset", page.offset);
  w.EndObject();
  write_connections(w, s, page);
  write_rooms(w, s, page);
  write_streams(w, s, page);
  write_recovery(w, s, cfg);
  w.Key("gateway");
  w.StartObject();
  put_count(w, "accepted", s.gateway.accepted);
  put_count(w, "rejected", s.gateway.rejected);
  put_count(w, "oversize_disconnects", s.gateway.oversize_disconnects);
  put_count(w, "incomplete_disconnects", s.gateway.incomplete_disconnects);
  put_count(w, "flood_disconnects", s.gateway.flood_disconnects);
  put_count(w, "http_connections", s.gateway.http_connections);
  put_count(w, "http_refused", s.gateway.http_refused);
  put_count(w, "address_refused", s.gateway.address_refused);
  put_count(w, "descriptor_shortages", s.gateway.descriptor_shortages);
  put_count(w, "bad_requests", s.gateway.bad_requests);
  put_count(w, "origin_refused", s.gateway.origin_refused);
  w.EndObject();
  w.Key("backpressure");
  w.StartObject();
  put_count(w, "conflated", s.gateway.conflated);
  put_count(w, "slow_consumer_disconnects", s.gateway.slow_consumer_disconnects);
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

} // namespace qc
