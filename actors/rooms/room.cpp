#include "actors/rooms/room.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/common/clock.hpp"
#include "actors/common/frames.hpp"
#include "actors/common/ids.hpp"
#include "actors/common/send_to_session.hpp"
#include "actors/messages.hpp"
#include "protocol/server_events.hpp"

namespace qc {

namespace {

struct room_state {
  std::string name;
  directory_actor directory;
  std::unordered_map<std::string, member_info> members; // by sid
  // Members whose connection dropped and who wait for recovery: the others were told
  // they left, but they still get the room's messages, to replay when they return.
  std::unordered_set<std::string> away;
  room_stats stats;
  bool replayable = false;

  shared_frame member_event(const char* event, const std::string& sid,
                            const std::string& user) const {
    return make_shared_frame(event, protocol::encode_member_event(name, sid, user, now_ms()),
                             {}, replayable ? random_id(12) : std::string());
  }

  bool wants(const member_info& m, const audience& to) const {
    if (!to.user_id.empty() && m.user_id != to.user_id)
      return false;
    if (!to.role.empty()
        && std::find(m.roles.begin(), m.roles.end(), to.role) == m.roles.end())
      return false;
    return true;
  }

  /// Membership changes are told to everyone but the member concerned.
  void tell_others(room_actor::pointer self, const std::string& except_sid,
                   const shared_frame& frame) {
    for (auto& [sid, m] : members)
      if (sid != except_sid)
        send_to_session(self, m.session, deliver_atom::value, frame);
  }
};

} // namespace

room_actor::behavior_type room_behavior(room_actor::pointer self, std::string name,
                                        directory_actor directory, bool replayable) {
  auto st = std::make_shared<room_state>();
  st->name = std::move(name);
  st->directory = std::move(directory);
  st->replayable = replayable;
  st->stats.name = st->name;
  st->stats.created_ms = now_ms();
  auto report = [self, st] {
    self->send(st->directory, room_done_atom::value, st->name,
               static_cast<std::uint32_t>(st->members.size()));
  };
  return {
    [self, st, report](join_atom, const member_info& m) -> join_reply {
      join_reply reply;
      reply.ok = true;
      reply.room = caf::actor_cast<room_actor>(self);
      auto [it, inserted] = st->members.emplace(m.sid, m);
      if (inserted) {
        ++st->stats.joins;
        st->tell_others(self, m.sid, st->member_event("room_member_joined", m.sid, m.user_id));
      } else {
        it->second = m; // the same sid from a new actor: a recovered session
        if (st->away.erase(m.sid) > 0)
          st->tell_others(self, m.sid, st->member_event("room_member_joined", m.sid, m.user_id));
      }
      reply.members = static_cast<std::uint32_t>(st->members.size() - st->away.size());
      report();
      return reply;
    },
    [self, st, report](leave_atom, const std::string& sid) -> bool {
      auto it = st->members.find(sid);
      if (it != st->members.end()) {
        auto user = it->second.user_id;
        st->members.erase(it);
        ++st->stats.leaves;
        if (st->away.erase(sid) == 0) // an away member's leaving was told already
          st->tell_others(self, sid, st->member_event("room_member_left", sid, user));
      }
      report();
      return true;
    },
    [self, st](publish_atom, const shared_frame& frame, const audience& to) {
      ++st->stats.messages;
      st->stats.last_message_ms = now_ms();
      for (auto& [sid, m] : st->members)
        if (st->wants(m, to))
          send_to_session(self, m.session, deliver_atom::value, frame);
    },
    [self, st](away_atom, const std::string& sid) {
      auto it = st->members.find(sid);
      if (it != st->members.end() && st->away.insert(sid).second)
        st->tell_others(self, sid, st->member_event("room_member_left", sid, it->second.user_id));
    },
    [st](members_atom) {
      std::vector<member_brief> out;
      out.reserve(st->members.size());
      for (auto& [sid, m] : st->members)
        if (!st->away.contains(sid))
          out.push_back(member_brief{sid, m.user_id});
      return out;
    },
    [st](get_stats_atom) {
      st->stats.members = st->members.size() - st->away.size(); // present ones
      return st->stats;
    },
    [self, st](retire_atom) {
      // The directory only retires a room it saw empty with nothing in flight, and
      // has already forgotten it, so no join can reach us any more.
      if (st->members.empty())
        self->quit();
    },
  };
}

} // namespace qc
