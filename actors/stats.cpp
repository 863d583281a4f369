#include "actors/stats.hpp"

#include <algorithm>
#include <map>

#include <caf/all.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "actors/clock.hpp"
#include "actors/messages.hpp"

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

/// What one /stats question has gathered so far.
struct gathering {
  directory_listing listing;
  std::vector<connection_stats> connections; // live ones only
  std::uint64_t parked = 0;                  // sessions waiting for recovery
  std::vector<room_stats> rooms;
  std::vector<stream_stats> streams;
  persistence_stats persistence;
  recovery_stats recovery;
  std::size_t outstanding = 0;
  std::function<void(std::string)> done;
};

struct stats_state {
  std::shared_ptr<const settings> cfg;
  caf::actor directory;
  caf::actor market;
  caf::actor persistence; // may be null
  caf::actor supervisor;  // may be null
  std::function<gateway_counters()> read_gateway;
  std::int64_t started_ms = now_ms();
};

void write_connections(json_writer& w, const gathering& g, const settings& cfg) {
  w.Key("connections");
  w.StartObject();
  std::map<std::string, std::uint64_t> per_user;
  for (auto& c : g.connections)
    ++per_user[c.user_id];
  // Sessions waiting for recovery are not connections (recovery.parked_sessions).
  put_count(w, "total_connections", g.listing.sessions.size() - g.parked);
  put_count(w, "total_users", per_user.size());
  put_count(w, "opened", g.listing.connections_opened);
  put_count(w, "closed", g.listing.connections_closed);
  w.Key("per_user");
  w.StartObject();
  std::size_t listed = 0;
  for (auto& [user, count] : per_user) {
    if (listed++ == cfg.limits.max_listed_connections)
      break;
    w.Key(user.c_str(), static_cast<rapidjson::SizeType>(user.size()));
    w.Uint64(count);
  }
  w.EndObject();
  w.Key("connections");
  w.StartArray();
  listed = 0;
  for (auto& c : g.connections) {
    if (listed == cfg.limits.max_listed_connections)
      break;
    ++listed;
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
  put_count(w, "listed", listed);
  w.Key("truncated");
  w.Bool(listed < g.connections.size());
  w.EndObject();
}

void write_rooms(json_writer& w, const gathering& g) {
  std::uint64_t members = 0, joins = 0, leaves = 0, messages = 0, active = 0;
  for (auto& r : g.rooms) {
    members += r.members;
    joins += r.joins;
    leaves += r.leaves;
    messages += r.messages;
    active += r.members > 0 ? 1 : 0;
  }
  w.Key("rooms");
  w.StartObject();
  put_count(w, "total_rooms", g.rooms.size());
  put_count(w, "active_rooms", active);
  put_count(w, "total_members", members);
  put_count(w, "total_join_events", joins);
  put_count(w, "total_leave_events", leaves);
  put_count(w, "total_messages", messages);
  put_count(w, "rooms_created", g.listing.rooms_created);
  put_count(w, "rooms_retired", g.listing.rooms_retired);
  w.Key("rooms");
  w.StartObject();
  for (auto& r : g.rooms) {
    w.Key(r.name.c_str(), static_cast<rapidjson::SizeType>(r.name.size()));
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
  w.EndObject();
}

void write_streams(json_writer& w, const gathering& g) {
  std::uint64_t subscribers = 0, peak = 0, sent = 0, duplicates = 0, ticks = 0;
  for (auto& s : g.streams) {
    subscribers += s.subscriber_count;
    peak = std::max(peak, s.peak_subscribers);
    sent += s.messages_sent;
    duplicates += s.duplicates_dropped;
    ticks += s.ticks;
  }
  w.Key("streams");
  w.StartObject();
  put_count(w, "active_streams", g.streams.size());
  put_count(w, "total_subscribers", subscribers);
  put_count(w, "peak_subscribers", peak);
  put_count(w, "total_ticks", ticks);
  put_count(w, "total_messages_sent", sent);
  put_count(w, "total_duplicates_dropped", duplicates);
  w.Key("streams");
  w.StartObject();
  for (auto& s : g.streams) {
    w.Key(s.symbol.c_str(), static_cast<rapidjson::SizeType>(s.symbol.size()));
    w.StartObject();
    put_count(w, "subscriber_count", s.subscriber_count);
    put_count(w, "peak_subscribers", s.peak_subscribers);
    put_count(w, "ticks", s.ticks);
    put_count(w, "messages_sent", s.messages_sent);
    put_count(w, "duplicates_dropped", s.duplicates_dropped);
    put_count(w, "filters", s.filters);
    put_count(w, "buffer_size", s.buffer_size);
    put_count(w, "buffer_bytes", s.buffer_bytes);
    put_count(w, "seq", s.seq);
    put_time(w, "last_update", s.last_update_ms);
    put_time(w, "created_at", s.created_ms);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

void write_recovery(json_writer& w, const gathering& g, const settings& cfg) {
  auto& r = g.recovery;
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
  w.EndObject();
  auto& p = g.persistence;
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

std::string render(const gathering& g, const stats_state& st) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  auto now = now_ms();
  w.StartObject();
  put_text(w, "node", st.cfg->node_name);
  put_time(w, "timestamp", now);
  put_time(w, "uptime_seconds", (now - st.started_ms) / 1000);
  write_connections(w, g, *st.cfg);
  write_rooms(w, g);
  write_streams(w, g);
  write_recovery(w, g, *st.cfg);
  auto gw = st.read_gateway();
  w.Key("gateway");
  w.StartObject();
  put_count(w, "accepted", gw.accepted);
  put_count(w, "rejected", gw.rejected);
  put_count(w, "oversize_disconnects", gw.oversize_disconnects);
  put_count(w, "incomplete_disconnects", gw.incomplete_disconnects);
  put_count(w, "flood_disconnects", gw.flood_disconnects);
  put_count(w, "http_connections", gw.http_connections);
  put_count(w, "http_refused", gw.http_refused);
  put_count(w, "address_refused", gw.address_refused);
  put_count(w, "descriptor_shortages", gw.descriptor_shortages);
  put_count(w, "bad_requests", gw.bad_requests);
  put_count(w, "origin_refused", gw.origin_refused);
  w.EndObject();
  w.Key("backpressure");
  w.StartObject();
  put_count(w, "conflated", gw.conflated);
  put_count(w, "slow_consumer_disconnects", gw.slow_consumer_disconnects);
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

// Every actor gets this long to answer; one that does not is left out rather than
// holding the whole document back.
constexpr auto answer_within = std::chrono::seconds(2);

void finish_one(const std::shared_ptr<gathering>& g, const std::shared_ptr<stats_state>& st) {
  if (--g->outstanding == 0) {
    std::sort(g->connections.begin(), g->connections.end(),
              [](auto& a, auto& b) { return a.connected_ms < b.connected_ms; });
    std::sort(g->rooms.begin(), g->rooms.end(),
              [](auto& a, auto& b) { return a.name < b.name; });
    std::sort(g->streams.begin(), g->streams.end(),
              [](auto& a, auto& b) { return a.symbol < b.symbol; });
    g->done(render(*g, *st));
  }
}

/// Asks one actor for its figures of type Stats and files the answer with `take`; the
/// document waits for it (g->outstanding) until it answers or fails to in time.
template <class Stats, class Take>
void ask_stats(caf::event_based_actor* self, const caf::actor& who,
               const std::shared_ptr<gathering>& g, const std::shared_ptr<stats_state>& st,
               Take take) {
  ++g->outstanding;
  self->request(who, answer_within, get_stats_atom::value)
    .then(
      [st, g, take](const Stats& figures) {
        take(*g, figures);
        finish_one(g, st);
      },
      [st, g](const caf::error&) { finish_one(g, st); });
}

void collect(caf::event_based_actor* self, const std::shared_ptr<stats_state>& st,
             std::function<void(std::string)> done) {
  auto g = std::make_shared<gathering>();
  g->done = std::move(done);
  self->request(st->directory, answer_within, listing_atom::value)
    .then(
      [self, st, g](directory_listing& listing) {
        g->listing = std::move(listing);
        // One extra count held while requests go out, so an early answer cannot
        // finish the document before every request is sent.
        g->outstanding = 1;
        for (auto& s : g->listing.sessions)
          ask_stats<connection_stats>(self, s, g, st, [](gathering& g, const connection_stats& c) {
            if (c.parked)
              ++g.parked;
            else
              g.connections.push_back(c);
          });
        for (auto& r : g->listing.rooms)
          ask_stats<room_stats>(self, r, g, st,
                                [](gathering& g, const room_stats& rs) { g.rooms.push_back(rs); });
        if (st->persistence)
          ask_stats<persistence_stats>(self, st->persistence, g, st,
                                       [](gathering& g, const persistence_stats& ps) { g.persistence = ps; });
        if (st->supervisor)
          ask_stats<recovery_stats>(self, st->supervisor, g, st,
                                    [](gathering& g, const recovery_stats& rs) { g.recovery = rs; });
        ++g->outstanding; // the market's listing
        self->request(st->market, answer_within, listing_atom::value)
          .then(
            [self, st, g](const std::vector<caf::actor>& streams) {
              for (auto& s : streams)
                ask_stats<stream_stats>(self, s, g, st, [](gathering& g, const stream_stats& ss) {
                  g.streams.push_back(ss);
                });
              finish_one(g, st);
            },
            [st, g](const caf::error&) { finish_one(g, st); });
        finish_one(g, st);
      },
      [st, g](const caf::error&) {
        g->outstanding = 1;
        finish_one(g, st);
      });
}

} // namespace

caf::behavior stats_actor(caf::event_based_actor* self, std::shared_ptr<const settings> cfg,
                          caf::actor directory, caf::actor market, caf::actor persistence,
                          caf::actor supervisor,
                          std::function<gateway_counters()> read_gateway) {
  auto st = std::make_shared<stats_state>();
  st->cfg = std::move(cfg);
  st->directory = std::move(directory);
  st->market = std::move(market);
  st->persistence = std::move(persistence);
  st->supervisor = std::move(supervisor);
  st->read_gateway = std::move(read_gateway);
  return {
    [self, st](get_stats_atom) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      collect(self, st, [rp](std::string doc) mutable { rp.deliver(std::move(doc)); });
      return rp;
    },
    [self, st](get_stats_atom, const json_callback& cb) { collect(self, st, cb.deliver); },
  };
}

} // namespace qc
