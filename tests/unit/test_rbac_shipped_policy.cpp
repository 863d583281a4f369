// Every rule of the shipped conf/rbac_policy.csv, with one question it allows and one it
// does not (the closest question the rule must not answer). A rule added to the file
// without a case here fails the coverage check below.

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "protocol/rbac_policy.hpp"
#include "protocol/rbac_policy_csv.hpp"

using namespace qc::rbac;

namespace {

struct question {
  std::vector<std::string> subjects;
  std::string object;
  std::string action;
};

struct rule_case {
  std::string rule; // as in the file, one space after each comma
  question allowed;
  question denied;
};

const std::vector<rule_case> cases{
  // -- global roles: inheritance ----------------------------------------------------
  {"g, viewer, guest", {{"viewer"}, "stream:600519", "subscribe"}, {{"guest"}, "room:desk_a", "join"}},
  {"g, trader, viewer", {{"trader"}, "room:desk_a", "join"}, {{"viewer"}, "room:desk_a", "send_targeted"}},
  {"g, admin, trader", {{"admin"}, "room:desk_a", "send_targeted"}, {{"trader"}, "system:stats", "read"}},
  {"g, admin, publisher", {{"admin"}, "stream:600519", "publish"}, {{"publisher"}, "system:stats", "read"}},
  // -- guest ------------------------------------------------------------------------
  {"p, guest, room:market_*, join", {{"guest"}, "room:market_600519", "join"}, {{"guest"}, "room:desk_a", "join"}},
  {"p, guest, room:market_*, view", {{"guest"}, "room:market_600519", "view"}, {{"guest"}, "room:marketing", "view"}},
  {"p, guest, room:market_*, leave", {{"guest"}, "room:market_600519", "leave"}, {{"guest"}, "room:desk_a", "leave"}},
  {"p, guest, room:public_*, join", {{"guest"}, "room:public_chat", "join"}, {{"guest"}, "room:publicity", "join"}},
  {"p, guest, room:public_*, view", {{"guest"}, "room:public_chat", "view"}, {{"guest"}, "room:public", "view"}},
  {"p, guest, room:public_*, leave", {{"guest"}, "room:public_chat", "leave"}, {{"anon-1"}, "room:public_chat", "leave"}},
  {"p, guest, stream:*, subscribe", {{"guest", "anon-1"}, "stream:BTC-USDT", "subscribe"}, {{"publisher"}, "stream:BTC-USDT", "subscribe"}},
  {"p, guest, system:rooms, list", {{"guest"}, "system:rooms", "list"}, {{"guest"}, "system:stats", "list"}},
  // -- viewer -----------------------------------------------------------------------
  {"p, viewer, room:*, join", {{"viewer"}, "room:desk_a", "join"}, {{"room_member"}, "room:desk_a", "join"}},
  {"p, viewer, room:*, view", {{"viewer"}, "room:desk_a", "view"}, {{"publisher"}, "room:desk_a", "view"}},
  {"p, viewer, room:*, leave", {{"viewer"}, "room:desk_a", "leave"}, {{"publisher"}, "room:desk_a", "leave"}},
  {"p, viewer, user:*, read_saved", {{"viewer", "alice"}, "user:alice", "read_saved"}, {{"guest", "anon-1"}, "user:anon-1", "read_saved"}},
  {"p, viewer, user:*, read_offline", {{"viewer", "alice"}, "user:alice", "read_offline"}, {{"guest", "anon-1"}, "user:anon-1", "read_offline"}},
  // -- trader -----------------------------------------------------------------------
  {"p, trader, room:*, send_targeted", {{"trader"}, "room:desk_a", "send_targeted"}, {{"viewer", "room_member"}, "room:desk_a", "send_targeted"}},
  // -- publisher --------------------------------------------------------------------
  {"p, publisher, stream:*, publish", {{"publisher"}, "stream:600519", "publish"}, {{"trader"}, "stream:600519", "publish"}},
  {"p, publisher, room:*, broadcast", {{"publisher"}, "room:desk_a", "broadcast"}, {{"trader", "room_admin"}, "room:desk_a", "broadcast"}},
  {"p, publisher, user:*, send_to_user", {{"publisher"}, "user:bob", "send_to_user"}, {{"trader"}, "user:bob", "send_to_user"}},
  {"p, publisher, user:*, read_saved", {{"publisher", "feed1"}, "user:feed1", "read_saved"}, {{"guest"}, "user:feed1", "read_saved"}},
  {"p, publisher, user:*, read_offline", {{"publisher", "feed1"}, "user:feed1", "read_offline"}, {{"guest"}, "user:feed1", "read_offline"}},
  // -- admin ------------------------------------------------------------------------
  {"p, admin, room:*, list_members", {{"admin"}, "room:desk_a", "list_members"}, {{"trader"}, "room:desk_a", "list_members"}},
  {"p, admin, room:*, send_message", {{"admin"}, "room:desk_a", "send_message"}, {{"trader", "room_guest"}, "room:desk_a", "send_message"}},
  {"p, admin, room:*, mention_all", {{"admin"}, "room:desk_a", "mention_all"}, {{"trader", "room_member"}, "room:desk_a", "mention_all"}},
  {"p, admin, room:*, kick_member", {{"admin"}, "room:desk_a", "kick_member"}, {{"publisher", "room_member"}, "room:desk_a", "kick_member"}},
  {"p, admin, room:*, set_member_role", {{"admin"}, "room:desk_a", "set_member_role"}, {{"trader", "room_moderator"}, "room:desk_a", "set_member_role"}},
  {"p, admin, system:stats, read", {{"admin"}, "system:stats", "read"}, {{"publisher", "trader"}, "system:stats", "read"}},
  // -- room roles: the chain ----------------------------------------------------------
  {"g2, room_member, room_guest, room:*", {{"room_member"}, "room:desk_a", "view"}, {{"room_guest"}, "room:desk_a", "send_message"}},
  {"g2, room_moderator, room_member, room:*", {{"room_moderator"}, "room:desk_a", "send_message"}, {{"room_member"}, "room:desk_a", "kick_member"}},
  {"g2, room_admin, room_moderator, room:*", {{"room_admin"}, "room:desk_a", "kick_member"}, {{"room_moderator"}, "room:desk_a", "set_member_role"}},
  {"g2, room_owner, room_admin, room:*", {{"room_owner"}, "room:desk_a", "set_member_role"}, {{"room_admin"}, "room:desk_a", "broadcast"}},
  // -- room roles: permissions ------------------------------------------------------
  {"p, room_guest, room:*, view", {{"room_guest"}, "room:desk_a", "view"}, {{"alice"}, "room:desk_a", "view"}},
  {"p, room_guest, room:*, leave", {{"room_guest"}, "room:desk_a", "leave"}, {{"room_guest"}, "stream:600519", "leave"}},
  {"p, room_member, room:*, list_members", {{"viewer", "room_member"}, "room:desk_a", "list_members"}, {{"viewer", "room_guest"}, "room:desk_a", "list_members"}},
  {"p, room_member, room:*, send_message", {{"room_member"}, "room:desk_a", "send_message"}, {{"viewer"}, "room:desk_a", "send_message"}},
  {"p, room_moderator, room:*, send_targeted", {{"room_moderator"}, "room:desk_a", "send_targeted"}, {{"room_member"}, "room:desk_a", "send_targeted"}},
  {"p, room_moderator, room:*, mention_all", {{"room_moderator"}, "room:desk_a", "mention_all"}, {{"room_member"}, "room:desk_a", "mention_all"}},
  {"p, room_moderator, room:*, kick_member", {{"room_moderator"}, "room:desk_a", "kick_member"}, {{"room_member", "trader"}, "room:desk_a", "kick_member"}},
  {"p, room_admin, room:*, set_member_role", {{"room_admin"}, "room:desk_a", "set_member_role"}, {{"room_moderator"}, "room:desk_a", "set_member_role"}},
  {"p, room_owner, room:*, join", {{"room_owner"}, "room:desk_a", "join"}, {{"room_admin"}, "room:desk_a", "join"}},
  {"p, room_owner, room:*, broadcast", {{"room_owner"}, "room:desk_a", "broadcast"}, {{"room_admin"}, "room:desk_a", "broadcast"}},
};

std::set<std::string> shipped_rules() {
  auto rules = read_policy_csv(default_policy_text());
  REQUIRE(rules.ok());
  std::set<std::string> out;
  for (auto& p : rules->permissions)
    out.insert("p, " + p.subject + ", " + p.object + ", " + p.action);
  for (auto& g : rules->inheritance)
    out.insert("g, " + g.member + ", " + g.role);
  for (auto& g : rules->room_roles)
    out.insert("g2, " + g.member + ", " + g.role + ", " + g.domain);
  return out;
}

std::shared_ptr<const authorizer> shipped(std::size_t cache_entries) {
  auto a = authorizer::parse(default_model_text(), default_policy_text(), cache_entries);
  REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
  return *a;
}

} // namespace

TEST_CASE("shipped policy: every rule has a case, every case a rule") {
  auto in_file = shipped_rules();
  std::set<std::string> in_table;
  for (auto& c : cases)
    in_table.insert(c.rule);
  for (auto& rule : in_file)
    CHECK_MESSAGE(in_table.count(rule) == 1, "no case for the rule '" << rule << "'");
  for (auto& rule : in_table)
    CHECK_MESSAGE(in_file.count(rule) == 1, "a case for '" << rule << "', not in the file");
  CHECK(in_file.size() == cases.size());
}

TEST_CASE("shipped policy: each rule allows its case and not the one beside it") {
  // Without a cache, and with one asked twice (the second answer is the cached one).
  for (std::size_t cache : {std::size_t{0}, std::size_t{4096}}) {
    auto authz = shipped(cache);
    for (int round = 0; round < 2; ++round) {
      for (auto& c : cases) {
        CAPTURE(c.rule);
        CHECK(authz->allows(c.allowed.subjects, c.allowed.object, c.allowed.action));
        CHECK_FALSE(authz->allows(c.denied.subjects, c.denied.object, c.denied.action));
      }
    }
  }
}

TEST_CASE("shipped policy: the roles as the issue names them") {
  auto authz = shipped(0);
  auto may = [&](std::vector<std::string> subjects, const std::string& obj, const std::string& act) {
    return authz->allows(subjects, obj, act);
  };
  // A viewer cannot publish, message users or read stats; an admin can.
  CHECK_FALSE(may({"viewer", "v1"}, "stream:600519", "publish"));
  CHECK_FALSE(may({"viewer", "v1"}, "user:bob", "send_to_user"));
  CHECK_FALSE(may({"viewer", "v1"}, "system:stats", "read"));
  CHECK(may({"admin", "a1"}, "stream:600519", "publish"));
  CHECK(may({"admin", "a1"}, "user:bob", "send_to_user"));
  CHECK(may({"admin", "a1"}, "system:stats", "read"));
  // The demo's default roles publish but do not read stats.
  CHECK(may({"trader", "publisher"}, "stream:600519", "publish"));
  CHECK_FALSE(may({"trader", "publisher"}, "system:stats", "read"));
  // An admin may do every room action anywhere.
  for (auto act : {"join", "leave", "view", "list_members", "send_message", "send_targeted",
                   "mention_all", "kick_member", "set_member_role", "broadcast"})
    CHECK_MESSAGE(may({"admin"}, "room:any_room", act), act);
  // An owner may do every room action in its room, and nothing outside rooms.
  for (auto act : {"join", "leave", "view", "list_members", "send_message", "send_targeted",
                   "mention_all", "kick_member", "set_member_role", "broadcast"})
    CHECK_MESSAGE(may({"room_owner"}, "room:desk_a", act), act);
  CHECK_FALSE(may({"room_owner"}, "stream:600519", "subscribe"));
  CHECK_FALSE(may({"room_owner"}, "system:stats", "read"));
  // Nobody without a role gets anything.
  CHECK_FALSE(may({"anon-1"}, "stream:600519", "subscribe"));
  CHECK_FALSE(may({}, "room:market_1", "join"));
}
