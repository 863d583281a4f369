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

/// What one /stats question has gathered so far.
struct gathering {
  directory_listing listing;
  std::vector<connection_stats> connections;
  std::vector<room_stats> rooms;
  std::size_t outstanding = 0;
  std::function<void(std::string)> done;
};

struct stats_state {
  std::shared_ptr<const settings> cfg;
  caf::actor directory;
  std::function<gateway_counters()> read_gateway;
  std::int64_t started_ms = now_ms();
};

void write_connections(json_writer& w, const gathering& g, const settings& cfg) {
  w.Key("connections");
  w.StartObject();
  w.Key("total_connections");
  w.Uint64(g.listing.sessions.size());
  w.Key("total_users");
  w.Uint64(g.listing.total_users);
  w.Key("opened");
  w.Uint64(g.listing.connections_opened);
  w.Key("closed");
  w.Uint64(g.listing.connections_closed);
  std::map<std::string, std::uint64_t> per_user;
  for (auto& c : g.connections)
    ++per_user[c.user_id];
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
    w.Key("sid");
    w.String(c.sid.c_str(), static_cast<rapidjson::SizeType>(c.sid.size()));
    w.Key("user_id");
    w.String(c.user_id.c_str(), static_cast<rapidjson::SizeType>(c.user_id.size()));
    w.Key("transport");
    w.String(c.transport.c_str(), static_cast<rapidjson::SizeType>(c.transport.size()));
    w.Key("messages_in");
    w.Uint64(c.messages_in);
    w.Key("messages_out");
    w.Uint64(c.messages_out);
    w.Key("errors");
    w.Uint64(c.errors);
    w.Key("rooms");
    w.Uint64(c.rooms);
    w.Key("connected_at");
    w.Int64(c.connected_ms);
    w.Key("last_activity");
    w.Int64(c.last_activity_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("listed");
  w.Uint64(listed);
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
  w.Key("total_rooms");
  w.Uint64(g.rooms.size());
  w.Key("active_rooms");
  w.Uint64(active);
  w.Key("total_members");
  w.Uint64(members);
  w.Key("total_join_events");
  w.Uint64(joins);
  w.Key("total_leave_events");
  w.Uint64(leaves);
  w.Key("total_messages");
  w.Uint64(messages);
  w.Key("rooms_created");
  w.Uint64(g.listing.rooms_created);
  w.Key("rooms_retired");
  w.Uint64(g.listing.rooms_retired);
  w.Key("rooms");
  w.StartObject();
  for (auto& r : g.rooms) {
    w.Key(r.name.c_str(), static_cast<rapidjson::SizeType>(r.name.size()));
    w.StartObject();
    w.Key("members");
    w.Uint64(r.members);
    w.Key("joins");
    w.Uint64(r.joins);
    w.Key("leaves");
    w.Uint64(r.leaves);
    w.Key("messages");
    w.Uint64(r.messages);
    w.Key("created_at");
    w.Int64(r.created_ms);
    w.Key("last_message_at");
    w.Int64(r.last_message_ms);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

std::string render(const gathering& g, const stats_state& st) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  auto now = now_ms();
  w.StartObject();
  w.Key("node");
  w.String(st.cfg->node_name.c_str());
  w.Key("timestamp");
  w.Int64(now);
  w.Key("uptime_seconds");
  w.Int64((now - st.started_ms) / 1000);
  write_connections(w, g, *st.cfg);
  write_rooms(w, g);
  auto gw = st.read_gateway();
  w.Key("gateway");
  w.StartObject();
  w.Key("accepted");
  w.Uint64(gw.accepted);
  w.Key("rejected");
  w.Uint64(gw.rejected);
  w.Key("oversize_disconnects");
  w.Uint64(gw.oversize_disconnects);
  w.EndObject();
  w.Key("backpressure");
  w.StartObject();
  w.Key("slow_consumer_disconnects");
  w.Uint64(gw.slow_consumer_disconnects);
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
    g->done(render(*g, *st));
  }
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
        g->outstanding = 1 + g->listing.sessions.size() + g->listing.rooms.size();
        for (auto& s : g->listing.sessions)
          self->request(s, answer_within, get_stats_atom::value)
            .then(
              [st, g](const connection_stats& c) {
                g->connections.push_back(c);
                finish_one(g, st);
              },
              [st, g](const caf::error&) { finish_one(g, st); });
        for (auto& r : g->listing.rooms)
          self->request(r, answer_within, get_stats_atom::value)
            .then(
              [st, g](const room_stats& rs) {
                g->rooms.push_back(rs);
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
                          caf::actor directory,
                          std::function<gateway_counters()> read_gateway) {
  auto st = std::make_shared<stats_state>();
  st->cfg = std::move(cfg);
  st->directory = std::move(directory);
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
