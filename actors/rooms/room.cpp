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
#include "protocol/rbac_policy.hpp"
#include "protocol/server_events.hpp"

namespace qc {

namespace {

using protocol::error_code;

constexpr std::string_view weakest_room_role = "room_guest";

room_admin_reply refuse(error_code code, std::string why) {
  room_admin_reply r;
  r.code = code;
  r.error = std::move(why);
  return r;
}

struct room_state {
  std::string name;
  directory_actor directory;
  std::unordered_map<std::string, member_info> members; // by sid
  // Members whose connection dropped and who wait for recovery: the others were told
  // they left, but they still get the room's messages, to replay when they return.
  std::unordered_set<std::string> away;
  // Room roles set by set_member_role, by user id, kept while the room lives (a user
  // who leaves and comes back has it again); at most max_role_grants.
  std::unordered_map<std::string, std::string> grants;
  std::size_t max_role_grants = 0;
  room_stats stats;
  bool replayable = false;

  std::string offset() const {
    return replayable ? random_id(12) : std::string();
  }

  /// The room role a member holds: the stronger of what its session asked for (the
  /// policy's, or the default) and what set_member_role stored for its user.
  std::string role_of(const member_info& m) const {
    std::string role = m.room_role.empty() ? std::string(weakest_room_role) : m.room_role;
    if (auto g = grants.find(m.user_id);
        g != grants.end() && rbac::room_role_rank(g->second) > rbac::room_role_rank(role))
      role = g->second;
    return role;
  }

  /// The sids of `user`'s sessions here (away ones too: they are still members).
  std::vector<std::string> sessions_of(const std::string& user) const {
    std::vector<std::string> sids;
    for (auto& [sid, m] : members)
      if (m.user_id == user)
        sids.push_back(sid);
    return sids;
  }

  /// A user's rank here: its strongest session's (one user may hold sessions that asked
  /// for different roles, e.g. with tokens of different roles).
  int rank_of_user(const std::vector<std::string>& sids) const {
    int rank = -1;
    for (auto& sid : sids)
      rank = std::max(rank, rbac::room_role_rank(role_of(members.at(sid))));
    return rank;
  }

  /// The strongest role the sessions asked for themselves (the policy's, or the
  /// default): a role set below it would not take effect.
  std::string asked_floor(const std::vector<std::string>& sids) const {
    std::string floor(weakest_room_role);
    for (auto& sid : sids) {
      auto& asked = members.at(sid).room_role;
      if (rbac::room_role_rank(asked) > rbac::room_role_rank(floor))
        floor = asked;
    }
    return floor;
  }

  /// Room for one more grant: the grants of users not in the room go first.
  bool make_room_for_grant(const std::string& user) {
    if (grants.contains(user) || grants.size() < max_role_grants)
      return true;
    for (auto it = grants.begin(); it != grants.end(); ++it)
      if (sessions_of(it->first).empty()) {
        grants.erase(it);
        return true;
      }
    return false;
  }

  /// The member `caller_sid`, or null when it is not in the room.
  const member_info* caller(const std::string& caller_sid) const {
    auto it = members.find(caller_sid);
    return it == members.end() ? nullptr : &it->second;
  }

  room_admin_reply kick(room_actor::pointer self, const kick_request& rq);
  room_admin_reply set_role(room_actor::pointer self, const role_request& rq);

  shared_frame member_event(const char* event, const std::string& sid,
                            const std::string& user) const {
    return make_shared_frame(event, protocol::encode_member_event(name, sid, user, now_ms()),
                             {}, offset());
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

room_admin_reply room_state::kick(room_actor::pointer self, const kick_request& rq) {
  auto* by = caller(rq.caller_sid);
  if (!by)
    return refuse(error_code::room_not_found, "not a member of room " + name);
  std::string target = rq.target_user;
  if (target.empty()) {
    auto it = members.find(rq.target_sid);
    if (it == members.end())
      return refuse(error_code::invalid_parameters, "no member with sid " + rq.target_sid + " in room " + name);
    target = it->second.user_id;
  }
  auto sids = sessions_of(target);
  if (sids.empty())
    return refuse(error_code::invalid_parameters, "user " + target + " is not in room " + name);
  auto by_role = role_of(*by);
  if (rbac::room_role_rank(by_role) <= rank_of_user(sids))
    return refuse(error_code::permission_denied,
                  "kicking " + target + " needs a higher room role than theirs (yours: " + by_role + ")");
  auto now = now_ms();
  auto kicked = make_shared_frame("room_kicked", protocol::encode_room_kicked(name, rq.caller_user, now), {},
                                  offset());
  // Out first, all of them, so no kicked session hears about another one leaving.
  std::vector<std::string> announce;
  for (auto& sid : sids) {
    auto it = members.find(sid);
    send_to_session(self, it->second.session, kicked_atom::value, name, kicked);
    if (away.erase(sid) == 0) // an away member's leaving was told already
      announce.push_back(sid);
    members.erase(it);
    ++stats.leaves;
  }
  for (auto& sid : announce) {
    auto left = make_shared_frame("room_member_left",
                                  protocol::encode_member_left(name, sid, target, now, "kicked"), {},
                                  offset());
    tell_others(self, sid, left);
  }
  grants.erase(target); // a kick takes a granted role with it
  room_admin_reply r;
  r.ok = true;
  r.user_id = target;
  r.sessions = static_cast<std::uint32_t>(sids.size());
  return r;
}

room_admin_reply room_state::set_role(room_actor::pointer self, const role_request& rq) {
  auto* by = caller(rq.caller_sid);
  if (!by)
    return refuse(error_code::room_not_found, "not a member of room " + name);
  const int granted = rbac::room_role_rank(rq.role);
  if (granted < 0)
    return refuse(error_code::invalid_parameters, "not a room role: " + rq.role);
  auto sids = sessions_of(rq.target_user);
  if (sids.empty())
    return refuse(error_code::invalid_parameters, "user " + rq.target_user + " is not in room " + name);
  auto by_role = role_of(*by);
  const int by_rank = rbac::room_role_rank(by_role);
  if (by_rank <= rank_of_user(sids))
    return refuse(error_code::permission_denied, "changing the role of " + rq.target_user
                                                   + " needs a higher room role than theirs (yours: " + by_role
                                                   + ")");
  if (by_rank < granted)
    return refuse(error_code::permission_denied,
                  "granting " + rq.role + " needs at least that room role (yours: " + by_role + ")");
  if (auto floor = asked_floor(sids); granted < rbac::room_role_rank(floor))
    return refuse(error_code::permission_denied,
                  rq.target_user + " holds " + floor
                    + " without set_member_role (from the policy, or as the default); it cannot be lowered");
  if (!make_room_for_grant(rq.target_user))
    return refuse(error_code::subscription_failed,
                  "room " + name + " keeps no more room roles (limits.max-room-role-grants)");
  grants[rq.target_user] = rq.role;
  auto frame = make_shared_frame(
    "room_member_role_changed",
    protocol::encode_member_role_changed(name, rq.target_user, rq.role, rq.caller_user, now_ms()), {}, offset());
  for (auto& [sid, m] : members) {
    if (m.user_id == rq.target_user)
      send_to_session(self, m.session, role_changed_atom::value, name, role_of(m), frame);
    else
      send_to_session(self, m.session, deliver_atom::value, frame);
  }
  room_admin_reply r;
  r.ok = true;
  r.user_id = rq.target_user;
  r.role = rq.role;
  return r;
}

} // namespace

room_actor::behavior_type room_behavior(room_actor::pointer self, std::string name,
                                        directory_actor directory, bool replayable,
                                        std::size_t max_role_grants) {
  auto st = std::make_shared<room_state>();
  st->name = std::move(name);
  st->directory = std::move(directory);
  st->replayable = replayable;
  st->max_role_grants = max_role_grants;
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
      reply.room_role = st->role_of(it->second);
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
          out.push_back(member_brief{sid, m.user_id, st->role_of(m)});
      return out;
    },
    [st](get_stats_atom) {
      st->stats.members = st->members.size() - st->away.size(); // present ones
      return st->stats;
    },
    [self, st](kick_atom, const kick_request& rq) { return st->kick(self, rq); },
    [self, st](set_role_atom, const role_request& rq) { return st->set_role(self, rq); },
    [self, st](retire_atom) {
      // The directory only retires a room it saw empty with nothing in flight, and
      // has already forgotten it, so no join can reach us any more.
      if (st->members.empty())
        self->quit();
    },
  };
}

} // namespace qc
