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
  caf::actor room = start(room_spawn_fn, std::string("lobby"), directory, false);
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
  auto replayable = start(room_spawn_fn, std::string("replay"), own_directory, true);
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

CAF_TEST_FIXTURE_SCOPE_END()
