// The room actor (actors/rooms/room.cpp) message by message: joins and leaves, who
// hears about them, the fan-out of a broadcast to its members (one shared frame, never
// a copy), members that dropped and come back, and retirement.
#define CAF_SUITE actors.room

#include "tests/actors/actor_fixture.hpp"

#include "actors/common/frames.hpp"

using namespace qc;
using namespace qc::test;

namespace {

struct room_fixture : actor_fixture {
  // The directory, as far as a room is concerned: it takes the room's size reports.
  caf::actor directory = session("directory");
  caf::actor room = start(room_spawn_fn, std::string("lobby"), directory, false,
                          std::size_t{1000});
  caf::actor alice = session("alice");
  caf::actor bob = session("bob");
  caf::actor carol = session("carol");

  /// The room's report to the directory after a join or leave: its size.
  std::uint32_t size_report() {
    auto [atom, name, members] =
      next_message<room_done_atom, std::string, std::uint32_t>(room, directory);
    CAF_CHECK_EQUAL(name, "lobby");
    return members;
  }

  /// `who` joins as `sid`; the room handles it and reports its size.
  join_reply join(const std::string& sid, const std::string& user, const caf::actor& who,
                  std::vector<std::string> roles = {}) {
    self->send(room, join_atom::value, member(sid, user, who, std::move(roles)));
    expect((join_atom, member_info), from(self).to(room));
    size_report();
    return answer_to_self<join_reply>();
  }

  /// `who` joins as `sid` asking for `room_role`; returns the reply.
  join_reply join_as(const std::string& sid, const std::string& user, const caf::actor& who,
                     const std::string& room_role) {
    auto m = member(sid, user, who);
    m.room_role = room_role;
    self->send(room, join_atom::value, m);
    expect((join_atom, member_info), from(self).to(room));
    size_report();
    return answer_to_self<join_reply>();
  }

  room_admin_reply kick(const std::string& caller_sid, const std::string& caller_user,
                        const std::string& target_user, const std::string& target_sid = {}) {
    self->send(room, kick_atom::value,
               kick_request{caller_sid, caller_user, target_user, target_sid});
    expect((kick_atom, kick_request), from(self).to(room));
    return answer_to_self<room_admin_reply>();
  }

  room_admin_reply set_role(const std::string& caller_sid, const std::string& caller_user,
                            const std::string& target_user, const std::string& role) {
    self->send(room, set_role_atom::value, role_request{caller_sid, caller_user, target_user, role});
    expect((set_role_atom, role_request), from(self).to(room));
    return answer_to_self<room_admin_reply>();
  }

  /// The (room, frame) of the `kicked` message next in `who`'s mailbox.
  shared_frame kicked(const caf::actor& who) {
    auto [atom, name, frame] = next_message<kicked_atom, std::string, shared_frame>(room, who);
    CAF_CHECK_EQUAL(name, "lobby");
    return frame;
  }

  /// The role and frame of the `role_changed` message next in `who`'s mailbox.
  std::pair<std::string, shared_frame> role_changed(const caf::actor& who) {
    auto [atom, name, role, frame] =
      next_message<role_changed_atom, std::string, std::string, shared_frame>(room, who);
    CAF_CHECK_EQUAL(name, "lobby");
    return {role, frame};
  }

  std::string role_listed(const std::string& sid) {
    for (auto& m : ask<std::vector<member_brief>>(room, members_atom::value))
      if (m.sid == sid)
        return m.room_role;
    return "(not listed)";
  }

  bool leave(const std::string& sid) {
    self->send(room, leave_atom::value, sid);
    expect((leave_atom, std::string), from(self).to(room));
    size_report();
    return answer_to_self<bool>();
  }

  shared_frame publish(const audience& to = {}) {
    auto frame = make_shared_frame("room_message", R"({"room":"lobby","content":"hi"})");
    self->send(room, publish_atom::value, frame, to);
    expect((publish_atom, shared_frame, audience), from(self).to(room));
    return frame;
  }
};

bool says(const shared_frame& f, const std::string& text) {
  return f && f->socketio.find(text) != std::string::npos;
}

bool names_event(const shared_frame& f, const std::string& event, const std::string& sid) {
  return f && f->socketio.find('"' + event + '"') != std::string::npos
         && f->socketio.find("\"sid\":\"" + sid + '"') != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(room_tests, room_fixture)

CAF_TEST(a join is answered with the room and its size and told to the other members) {
  auto first = join("s1", "alice", alice);
  CAF_CHECK(first.ok);
  CAF_CHECK(same_actor(first.room, room));
  CAF_CHECK_EQUAL(first.members, 1u);
  CAF_CHECK(mailbox_empty(alice)); // nobody to tell, and not the joiner itself

  self->send(room, join_atom::value, member("s2", "bob", bob));
  expect((join_atom, member_info), from(self).to(room));
  CAF_CHECK(names_event(delivered(room, alice), "room_member_joined", "s2"));
  CAF_CHECK(mailbox_empty(bob));
  CAF_CHECK_EQUAL(size_report(), 2u);
  CAF_CHECK_EQUAL(answer_to_self<join_reply>().members, 2u);

  auto members = ask<std::vector<member_brief>>(room, members_atom::value);
  CAF_CHECK_EQUAL(members.size(), 2u);
}

CAF_TEST(a broadcast reaches every member as the one frame it was given) {
  join("s1", "alice", alice);
  join("s2", "bob", bob);
  delivered(room, alice); // bob's arrival
  auto frame = publish();
  CAF_CHECK(delivered(room, alice) == frame);
  CAF_CHECK(delivered(room, bob) == frame);
  CAF_CHECK_EQUAL(ask<room_stats>(room, get_stats_atom::value).messages, 1u);
}

CAF_TEST(an audience narrows a broadcast to a role or a user) {
  join("s1", "alice", alice, {"admin"});
  join("s2", "bob", bob, {"trader"});
  delivered(room, alice);
  auto to_admins = publish(audience{"admin", ""});
  CAF_CHECK(delivered(room, alice) == to_admins);
  CAF_CHECK(mailbox_empty(bob));
  auto to_bob = publish(audience{"", "bob"});
  CAF_CHECK(delivered(room, bob) == to_bob);
  CAF_CHECK(mailbox_empty(alice));
}

CAF_TEST(a leave is answered and told to the others and ends the messages to the leaver) {
  join("s1", "alice", alice);
  join("s2", "bob", bob);
  delivered(room, alice);
  self->send(room, leave_atom::value, std::string("s2"));
  expect((leave_atom, std::string), from(self).to(room));
  CAF_CHECK(names_event(delivered(room, alice), "room_member_left", "s2"));
  CAF_CHECK_EQUAL(size_report(), 1u);
  CAF_CHECK(answer_to_self<bool>());
  publish();
  delivered(room, alice);
  CAF_CHECK(mailbox_empty(bob));
  auto stats = ask<room_stats>(room, get_stats_atom::value);
  CAF_CHECK_EQUAL(stats.joins, 2u);
  CAF_CHECK_EQUAL(stats.leaves, 1u);
  CAF_CHECK_EQUAL(stats.members, 1u);
}

CAF_TEST(a leave for a sid that is not a member is answered and still reported) {
  join("s1", "alice", alice);
  // The directory counts every leave it forwards until the room reports back.
  CAF_CHECK(leave("nobody"));
  CAF_CHECK(mailbox_empty(alice));
  CAF_CHECK_EQUAL(ask<room_stats>(room, get_stats_atom::value).leaves, 0u);
}

CAF_TEST(a member that dropped is told away but keeps getting messages until it returns) {
  join("s1", "alice", alice);
  join("s2", "bob", bob);
  delivered(room, alice);
  self->send(room, away_atom::value, std::string("s2"));
  expect((away_atom, std::string), from(self).to(room));
  CAF_CHECK(names_event(delivered(room, alice), "room_member_left", "s2"));
  CAF_CHECK(mailbox_empty(directory)); // no size report: its membership still stands
  CAF_CHECK_EQUAL(ask<std::vector<member_brief>>(room, members_atom::value).size(), 1u);
  CAF_CHECK_EQUAL(ask<room_stats>(room, get_stats_atom::value).members, 1u);

  // Its session keeps what the room says, for the client to replay on its return.
  auto frame = publish();
  CAF_CHECK(delivered(room, alice) == frame);
  CAF_CHECK(delivered(room, bob) == frame);

  // The recovered session joins with the same sid from a new actor.
  auto reply = join("s2", "bob", carol);
  CAF_CHECK(reply.ok);
  CAF_CHECK_EQUAL(reply.members, 2u);
  CAF_CHECK(names_event(delivered(room, alice), "room_member_joined", "s2"));
  auto next = publish();
  CAF_CHECK(delivered(room, carol) == next);
  delivered(room, alice);
  CAF_CHECK(mailbox_empty(bob)); // the old actor is out of the room
  CAF_CHECK_EQUAL(ask<room_stats>(room, get_stats_atom::value).joins, 2u);
}

CAF_TEST(an away member that leaves is not announced twice) {
  join("s1", "alice", alice);
  join("s2", "bob", bob);
  delivered(room, alice);
  self->send(room, away_atom::value, std::string("s2"));
  expect((away_atom, std::string), from(self).to(room));
  delivered(room, alice); // room_member_left, once
  CAF_CHECK(leave("s2"));
  CAF_CHECK(mailbox_empty(alice));
}

CAF_TEST(membership news carries a recovery offset only when the room is replayable) {
  auto own_directory = session("directory of the replayable room");
  auto replayable = start(room_spawn_fn, std::string("replay"), own_directory, true, std::size_t{1000});
  self->send(replayable, join_atom::value, member("s1", "alice", alice));
  expect((join_atom, member_info), from(self).to(replayable));
  self->send(replayable, join_atom::value, member("s2", "bob", bob));
  expect((join_atom, member_info), from(self).to(replayable));
  answer_to_self<join_reply>();
  answer_to_self<join_reply>();
  auto news = delivered(replayable, alice);
  CAF_CHECK(names_event(news, "room_member_joined", "s2"));
  CAF_CHECK(!news->offset.empty());

  join("s1", "alice", alice);
  join("s2", "bob", bob);
  CAF_CHECK(delivered(room, alice)->offset.empty());
}

CAF_TEST(retire quits an empty room and is refused by one with members) {
  join("s1", "alice", alice);
  self->send(room, retire_atom::value);
  expect((retire_atom), from(self).to(room));
  CAF_CHECK(!gone(room));
  CAF_CHECK_EQUAL(ask<room_stats>(room, get_stats_atom::value).members, 1u);

  CAF_CHECK(leave("s1"));
  self->send(room, retire_atom::value);
  expect((retire_atom), from(self).to(room));
  CAF_CHECK(gone(room));
}

// -- room roles (PROTOCOL-NOTES "Room roles") ----------------------------------------

CAF_TEST(a member gets the role its session asks for and the weakest when it asks none) {
  CAF_CHECK_EQUAL(join_as("s1", "alice", alice, "room_owner").room_role, "room_owner");
  CAF_CHECK_EQUAL(join("s2", "bob", bob).room_role, "room_guest");
  delivered(room, alice);
  CAF_CHECK_EQUAL(join_as("s3", "carol", carol, "room_member").room_role, "room_member");
  CAF_CHECK_EQUAL(role_listed("s1"), "room_owner");
  CAF_CHECK_EQUAL(role_listed("s3"), "room_member");
}

CAF_TEST(the role on join is the stronger of the asked one and the one set earlier) {
  CAF_CHECK_EQUAL(join_as("s1", "alice", alice, "room_owner").room_role, "room_owner");
  CAF_CHECK_EQUAL(join_as("s2", "bob", bob, "room_member").room_role, "room_member");
  delivered(room, alice);
  CAF_CHECK_EQUAL(join("s3", "carol", carol).room_role, "room_guest"); // asked for none
  delivered(room, alice);
  delivered(room, bob);
  CAF_CHECK_EQUAL(role_listed("s3"), "room_guest");

  CAF_CHECK(set_role("s1", "alice", "bob", "room_admin").ok);
  role_changed(bob);
  delivered(room, alice);
  delivered(room, carol);
  CAF_CHECK_EQUAL(role_listed("s2"), "room_admin");
  CAF_CHECK(leave("s2"));
  delivered(room, alice);
  delivered(room, carol);
  // Back (a new connection): the room kept the role for the user id.
  CAF_CHECK_EQUAL(join_as("s4", "bob", bob, "room_member").room_role, "room_admin");
  delivered(room, alice);
  delivered(room, carol);
  // A session asking for more than was set (the policy's role) gets what it asks.
  CAF_CHECK(leave("s4"));
  delivered(room, alice);
  delivered(room, carol);
  CAF_CHECK_EQUAL(join_as("s5", "bob", bob, "room_owner").room_role, "room_owner");
}

CAF_TEST(a kick removes every session of the user and tells everyone what happened) {
  join_as("s1", "alice", alice, "room_owner");
  join_as("s2", "bob", bob, "room_member");
  delivered(room, alice);
  join_as("s3", "bob", carol, "room_member"); // bob's second connection
  delivered(room, alice);
  delivered(room, bob);
  auto reply = kick("s1", "alice", "bob");
  CAF_CHECK(reply.ok);
  CAF_CHECK_EQUAL(reply.user_id, "bob");
  CAF_CHECK_EQUAL(reply.sessions, 2u);
  auto to_bob = kicked(bob);
  CAF_CHECK(says(to_bob, R"("room_kicked",{"room":"lobby","by":"alice")"));
  CAF_CHECK(kicked(carol) == to_bob); // one frame for all of them
  // The one left hears both sessions go, with the reason.
  for (int i = 0; i < 2; ++i) {
    auto left = delivered(room, alice);
    CAF_CHECK(says(left, "\"room_member_left\""));
    CAF_CHECK(says(left, R"("user_id":"bob")"));
    CAF_CHECK(says(left, R"("reason":"kicked")"));
  }
  CAF_CHECK(mailbox_empty(bob));
  CAF_CHECK(mailbox_empty(carol));
  // Gone: no more messages, not listed, counted as leaves.
  publish();
  delivered(room, alice);
  CAF_CHECK(mailbox_empty(bob));
  CAF_CHECK(mailbox_empty(carol));
  CAF_CHECK_EQUAL(ask<std::vector<member_brief>>(room, members_atom::value).size(), 1u);
  CAF_CHECK_EQUAL(ask<room_stats>(room, get_stats_atom::value).leaves, 2u);
}

CAF_TEST(a kick needs a higher rank than the target has and names the target by user or sid) {
  join_as("s1", "alice", alice, "room_moderator");
  join_as("s2", "bob", bob, "room_moderator");
  delivered(room, alice);
  join_as("s3", "carol", carol, "room_owner");
  delivered(room, alice);
  delivered(room, bob);
  auto equal = kick("s1", "alice", "bob");
  CAF_CHECK(!equal.ok);
  CAF_CHECK(equal.code == protocol::error_code::permission_denied);
  auto upward = kick("s1", "alice", "carol");
  CAF_CHECK(upward.code == protocol::error_code::permission_denied);
  auto self_kick = kick("s1", "alice", "alice");
  CAF_CHECK(self_kick.code == protocol::error_code::permission_denied);
  CAF_CHECK(mailbox_empty(alice));
  CAF_CHECK(mailbox_empty(bob));
  CAF_CHECK(mailbox_empty(carol));
  // Downward works, here by sid.
  auto down = kick("s3", "carol", "", "s1");
  CAF_CHECK(down.ok);
  CAF_CHECK_EQUAL(down.user_id, "alice");
  CAF_CHECK_EQUAL(down.sessions, 1u);
  kicked(alice);
  delivered(room, bob);
  delivered(room, carol);
}

CAF_TEST(a kick from outside the room or of someone not in it is refused) {
  join_as("s1", "alice", alice, "room_owner");
  auto outsider = kick("nobody", "mallory", "alice");
  CAF_CHECK(outsider.code == protocol::error_code::room_not_found);
  auto absent = kick("s1", "alice", "zed");
  CAF_CHECK(absent.code == protocol::error_code::invalid_parameters);
  CAF_CHECK(absent.error.find("zed") != std::string::npos);
  auto no_sid = kick("s1", "alice", "", "s-unknown");
  CAF_CHECK(no_sid.code == protocol::error_code::invalid_parameters);
  CAF_CHECK(mailbox_empty(alice));
}

CAF_TEST(a kicked user comes back with the role it asks for and not the one it was given) {
  join_as("s1", "alice", alice, "room_owner");
  join_as("s2", "bob", bob, "room_member");
  delivered(room, alice);
  CAF_CHECK(set_role("s1", "alice", "bob", "room_moderator").ok);
  role_changed(bob);
  delivered(room, alice);
  CAF_CHECK(kick("s1", "alice", "bob").ok);
  kicked(bob);
  delivered(room, alice);
  CAF_CHECK_EQUAL(join_as("s3", "bob", bob, "room_member").room_role, "room_member");
}

CAF_TEST(a role change tells the sessions of the target their role and everyone the news) {
  join_as("s1", "alice", alice, "room_owner");
  join_as("s2", "bob", bob, "room_member");
  delivered(room, alice);
  join_as("s3", "carol", carol, "room_member");
  delivered(room, alice);
  delivered(room, bob);
  auto reply = set_role("s1", "alice", "bob", "room_moderator");
  CAF_CHECK(reply.ok);
  CAF_CHECK_EQUAL(reply.user_id, "bob");
  CAF_CHECK_EQUAL(reply.role, "room_moderator");
  auto [role, frame] = role_changed(bob);
  CAF_CHECK_EQUAL(role, "room_moderator");
  CAF_CHECK(says(frame, R"("room_member_role_changed",{"room":"lobby","user_id":"bob","role":"moderator","by":"alice")"));
  CAF_CHECK(delivered(room, alice) == frame);
  CAF_CHECK(delivered(room, carol) == frame);
  CAF_CHECK_EQUAL(role_listed("s2"), "room_moderator");
  // Now bob outranks carol and may kick her.
  CAF_CHECK(kick("s2", "bob", "carol").ok);
  kicked(carol);
  delivered(room, alice);
  delivered(room, bob);
}

CAF_TEST(a role change needs a higher rank than the target has and at least the granted one) {
  join_as("s1", "alice", alice, "room_moderator");
  join_as("s2", "bob", bob, "room_member");
  delivered(room, alice);
  join_as("s3", "carol", carol, "room_owner");
  delivered(room, alice);
  delivered(room, bob);
  auto too_high = set_role("s1", "alice", "bob", "room_admin");
  CAF_CHECK(too_high.code == protocol::error_code::permission_denied);
  auto upward = set_role("s1", "alice", "carol", "room_member");
  CAF_CHECK(upward.code == protocol::error_code::permission_denied);
  auto own = set_role("s1", "alice", "alice", "room_moderator");
  CAF_CHECK(own.code == protocol::error_code::permission_denied);
  CAF_CHECK(mailbox_empty(alice));
  CAF_CHECK(mailbox_empty(bob));
  CAF_CHECK(mailbox_empty(carol));
  // Up to its own rank is fine.
  CAF_CHECK(set_role("s1", "alice", "bob", "room_moderator").ok);
  role_changed(bob);
  delivered(room, alice);
  delivered(room, carol);
  // An owner may make another owner, and demote what was granted.
  CAF_CHECK(set_role("s3", "carol", "alice", "room_owner").ok);
  CAF_CHECK_EQUAL(role_changed(alice).first, "room_owner");
  delivered(room, bob);
  delivered(room, carol);
  CAF_CHECK(set_role("s3", "carol", "bob", "room_member").ok);
  CAF_CHECK_EQUAL(role_changed(bob).first, "room_member");
  delivered(room, alice);
  delivered(room, carol);
  // Below what the session holds on its own (room_member, being identified): refused.
  CAF_CHECK(set_role("s3", "carol", "bob", "room_guest").code == protocol::error_code::permission_denied);
  // Not in the room, either side.
  CAF_CHECK(set_role("nobody", "x", "bob", "room_member").code == protocol::error_code::room_not_found);
  CAF_CHECK(set_role("s3", "carol", "zed", "room_member").code
            == protocol::error_code::invalid_parameters);
  CAF_CHECK(set_role("s3", "carol", "bob", "superuser").code
            == protocol::error_code::invalid_parameters);
}

CAF_TEST(a role the policy gives cannot be lowered by set_member_role) {
  join_as("s1", "alice", alice, "room_owner");
  join_as("s2", "bob", bob, "room_admin");
  delivered(room, alice);
  auto lower = set_role("s1", "alice", "bob", "room_member");
  CAF_CHECK(lower.code == protocol::error_code::permission_denied);
  CAF_CHECK(lower.error.find("policy") != std::string::npos);
  CAF_CHECK(mailbox_empty(bob));
  CAF_CHECK_EQUAL(role_listed("s2"), "room_admin");
}

CAF_TEST(a room keeps at most max_role_grants roles and drops those of absent users first) {
  auto own_directory = session("directory of the small room");
  auto small = start(room_spawn_fn, std::string("small"), own_directory, false, std::size_t{1});
  auto ask_join = [&](const std::string& sid, const std::string& user, const caf::actor& who,
                      const std::string& role) {
    auto m = member(sid, user, who);
    m.room_role = role;
    return ask<join_reply>(small, join_atom::value, m);
  };
  auto grant = [&](const std::string& user) {
    return ask<room_admin_reply>(small, set_role_atom::value,
                                 role_request{"s1", "alice", user, "room_moderator"});
  };
  ask_join("s1", "alice", alice, "room_owner");
  ask_join("s2", "bob", bob, "room_member");
  ask_join("s3", "carol", carol, "room_member");
  CAF_CHECK(grant("bob").ok);
  auto full = grant("carol");
  CAF_CHECK(!full.ok);
  CAF_CHECK(full.code == protocol::error_code::subscription_failed);
  CAF_CHECK(ask<bool>(small, leave_atom::value, std::string("s2")));
  CAF_CHECK(grant("carol").ok); // bob is gone: his grant makes room
  CAF_CHECK_EQUAL(ask_join("s4", "bob", bob, "room_member").room_role, "room_member");
}

CAF_TEST_FIXTURE_SCOPE_END()
