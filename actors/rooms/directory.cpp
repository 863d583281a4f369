#include "actors/rooms/directory.hpp"

#include <string>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/common/send_to_session.hpp"
#include "actors/messages.hpp"
#include "actors/rooms/room.hpp"

namespace qc {

namespace {

struct room_entry {
  room_actor room;
  std::uint32_t members = 0;
  std::uint32_t in_flight = 0; // joins and leaves sent, not yet reported back
};

struct session_entry {
  caf::actor session;
  std::string user_id;
};

struct directory_state {
  std::shared_ptr<const settings> cfg;
  persistence_actor persistence;
  bool shutting_down = false;
  std::unordered_map<std::string, room_entry> rooms;
  std::unordered_map<std::string, session_entry> sessions;          // by sid
  std::unordered_map<std::string, std::vector<std::string>> users;  // user -> sids
  directory_listing counters;
};

void forget_user_session(directory_state& st, const std::string& user,
                         const std::string& sid) {
  auto it = st.users.find(user);
  if (it == st.users.end())
    return;
  std::erase(it->second, sid);
  if (it->second.empty())
    st.users.erase(it);
}

} // namespace

// How long a shutdown waits for sessions to finish before it stops anyway.
constexpr auto shutdown_grace = std::chrono::seconds(5);

/// Once every session is gone, their last writes are in the persistence actor's
/// mailbox (each session wrote before it unregistered): it may commit and stop.
void stop_when_sessions_gone(directory_actor::pointer self, directory_state& st) {
  if (!st.shutting_down || !st.sessions.empty())
    return;
  if (st.persistence)
    self->send(st.persistence, shutdown_atom::value);
  self->quit();
}

directory_actor::behavior_type directory_behavior(directory_actor::pointer self,
                                                 std::shared_ptr<const settings> cfg,
                                                 persistence_actor persistence) {
  auto st = std::make_shared<directory_state>();
  st->cfg = std::move(cfg);
  st->persistence = std::move(persistence);
  return {
    [st](register_atom, const std::string& sid, const std::string& user,
         const caf::actor& session) {
      auto [it, inserted] = st->sessions.try_emplace(sid, session_entry{session, user});
      if (!inserted) {
        // A recovered session: the same sid, now served by a new actor.
        it->second.session = session;
        return;
      }
      st->users[user].push_back(sid);
      ++st->counters.connections_opened;
    },
    [self, st](unregister_atom, const std::string& sid) {
      auto it = st->sessions.find(sid);
      if (it == st->sessions.end())
        return true;
      forget_user_session(*st, it->second.user_id, sid);
      st->sessions.erase(it);
      ++st->counters.connections_closed;
      stop_when_sessions_gone(self, *st);
      return true;
    },
    [self, st](join_atom, const std::string& name,
               const member_info& m) -> caf::result<join_reply> {
      auto it = st->rooms.find(name);
      if (it == st->rooms.end()) {
        if (st->rooms.size() >= st->cfg->limits.max_rooms) {
          join_reply refused;
          refused.code = protocol::error_code::subscription_failed;
          refused.error = "the broker's room limit is reached";
          return refused;
        }
        auto room = self->spawn(room_behavior, name, caf::actor_cast<directory_actor>(self),
                                st->cfg->recovery.enabled(),
                                st->cfg->limits.max_room_role_grants);
        it = st->rooms.emplace(name, room_entry{room, 0, 0}).first;
        ++st->counters.rooms_created;
      }
      ++it->second.in_flight;
      return self->delegate(it->second.room, join_atom::value, m);
    },
    [self, st](leave_atom, const std::string& name,
               const std::string& sid) -> caf::result<bool> {
      auto it = st->rooms.find(name);
      if (it == st->rooms.end())
        return true;
      ++it->second.in_flight;
      return self->delegate(it->second.room, leave_atom::value, sid);
    },
    [self, st](room_done_atom, const std::string& name, std::uint32_t members) {
      auto it = st->rooms.find(name);
      if (it == st->rooms.end())
        return;
      auto& entry = it->second;
      entry.members = members;
      --entry.in_flight;
      if (entry.members == 0 && entry.in_flight == 0) {
        self->send(entry.room, retire_atom::value);
        st->rooms.erase(it);
        ++st->counters.rooms_retired;
      }
    },
    [st](list_rooms_atom) {
      std::vector<room_brief> out;
      out.reserve(st->rooms.size());
      for (auto& [name, entry] : st->rooms)
        out.push_back(room_brief{name, entry.members});
      return out;
    },
    [self, st](members_atom, const std::string& name)
      -> caf::result<std::vector<member_brief>> {
      auto it = st->rooms.find(name);
      if (it == st->rooms.end())
        return std::vector<member_brief>{};
      return self->delegate(it->second.room, members_atom::value);
    },
    [self, st](publish_atom, const std::string& name, const shared_frame& frame,
               const audience& to) -> std::uint32_t {
      auto it = st->rooms.find(name);
      if (it == st->rooms.end())
        return 0;
      self->send(it->second.room, publish_atom::value, frame, to);
      return it->second.members;
    },
    [self, st](publish_atom, const std::string& user, const shared_frame& frame)
      -> std::uint32_t {
      auto it = st->users.find(user);
      if (it == st->users.end())
        return 0;
      for (auto& sid : it->second)
        if (auto s = st->sessions.find(sid); s != st->sessions.end())
          send_to_session(self, s->second.session, deliver_atom::value, frame);
      return static_cast<std::uint32_t>(it->second.size());
    },
    [st](listing_atom) {
      directory_listing out = st->counters;
      out.total_users = st->users.size();
      out.sessions.reserve(st->sessions.size());
      for (auto& [sid, entry] : st->sessions)
        out.sessions.push_back(entry.session);
      out.rooms.reserve(st->rooms.size());
      for (auto& [name, entry] : st->rooms)
        out.rooms.push_back(entry.room);
      return out;
    },
    [self, st](shutdown_atom) {
      if (st->shutting_down) { // the grace period is over
        st->sessions.clear();
        stop_when_sessions_gone(self, *st);
        return;
      }
      st->shutting_down = true;
      for (auto& [sid, entry] : st->sessions)
        send_to_session(self, entry.session, shutdown_atom::value);
      for (auto& [name, entry] : st->rooms)
        self->send_exit(entry.room, caf::exit_reason::user_shutdown);
      self->delayed_send(self, shutdown_grace, shutdown_atom::value);
      stop_when_sessions_gone(self, *st);
    },
  };
}

} // namespace qc
