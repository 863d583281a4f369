#include "actors/room.hpp"

#include <algorithm>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/clock.hpp"
#include "actors/frames.hpp"
#include "actors/messages.hpp"
#include "protocol/server_events.hpp"

namespace qc {

namespace {

struct room_state {
  std::string name;
  caf::actor directory;
  std::unordered_map<std::string, member_info> members; // by sid
  room_stats stats;

  bool wants(const member_info& m, const audience& to) const {
    if (!to.user_id.empty() && m.user_id != to.user_id)
      return false;
    if (!to.role.empty()
        && std::find(m.roles.begin(), m.roles.end(), to.role) == m.roles.end())
      return false;
    return true;
  }

  /// Membership changes are told to everyone but the member concerned.
  void tell_others(caf::event_based_actor* self, const std::string& except_sid,
                   const shared_frame& frame) {
    for (auto& [sid, m] : members)
      if (sid != except_sid)
        self->send(m.session, deliver_atom::value, frame);
  }
};

} // namespace

caf::behavior room_actor(caf::event_based_actor* self, std::string name,
                         caf::actor directory) {
  auto st = std::make_shared<room_state>();
  st->name = std::move(name);
  st->directory = std::move(directory);
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
      reply.room = caf::actor_cast<caf::actor>(self);
      auto [it, inserted] = st->members.emplace(m.sid, m);
      reply.already_member = !inserted;
      if (inserted) {
        ++st->stats.joins;
        st->tell_others(self, m.sid,
                        make_shared_frame("room_member_joined",
                                          protocol::encode_member_event(
                                            st->name, m.sid, m.user_id, now_ms())));
      }
      reply.members = static_cast<std::uint32_t>(st->members.size());
      report();
      return reply;
    },
    [self, st, report](leave_atom, const std::string& sid) {
      auto it = st->members.find(sid);
      if (it != st->members.end()) {
        auto user = it->second.user_id;
        st->members.erase(it);
        ++st->stats.leaves;
        st->tell_others(self, sid,
                        make_shared_frame("room_member_left",
                                          protocol::encode_member_event(
                                            st->name, sid, user, now_ms())));
      }
      report();
    },
    [self, st](publish_atom, const shared_frame& frame, const audience& to) {
      ++st->stats.messages;
      st->stats.last_message_ms = now_ms();
      for (auto& [sid, m] : st->members)
        if (st->wants(m, to))
          self->send(m.session, deliver_atom::value, frame);
    },
    [st](members_atom) {
      std::vector<member_brief> out;
      out.reserve(st->members.size());
      for (auto& [sid, m] : st->members)
        out.push_back(member_brief{sid, m.user_id});
      return out;
    },
    [st](get_stats_atom) {
      st->stats.members = st->members.size();
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
