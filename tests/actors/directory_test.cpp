// The directory actor (actors/rooms/directory.cpp) message by message: routing joins and
// leaves to rooms it spawns and retires, counting what is in flight so that no join
// reaches a quitting room, sessions by sid and users, and shutdown.
#define CAF_SUITE actors.directory

#include "tests/actors/actor_fixture.hpp"

#include "actors/common/frames.hpp"

using namespace qc;
using namespace qc::test;

namespace {

struct directory_fixture : actor_fixture {
  caf::actor persistence = session("persistence");
  caf::actor directory = start(directory_spawn_fn, shared_cfg(), persistence);
  caf::actor alice = session("alice");
  caf::actor alice_phone = session("alice's phone");
  caf::actor bob = session("bob");

  join_reply join(const std::string& room, const std::string& sid, const std::string& user,
                  const caf::actor& who) {
    return ask<join_reply>(directory, join_atom::value, room, member(sid, user, who));
  }

  bool leave(const std::string& room, const std::string& sid) {
    return ask<bool>(directory, leave_atom::value, room, sid);
  }

  void enrol(const std::string& sid, const std::string& user, const caf::actor& who) {
    self->send(directory, register_atom::value, sid, user, who);
    expect((register_atom, std::string, std::string, caf::actor), from(self).to(directory));
  }

  directory_listing listing() { return ask<directory_listing>(directory, listing_atom::value); }

  std::vector<room_brief> rooms() {
    return ask<std::vector<room_brief>>(directory, list_rooms_atom::value);
  }

  static shared_frame notice() {
    return make_shared_frame("notification", R"({"content":"hello"})");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(directory_tests, directory_fixture)

CAF_TEST(the first join spawns the room and later joins reach the same room) {
  auto first = join("lobby", "s1", "alice", alice);
  CAF_REQUIRE(first.ok);
  CAF_CHECK_EQUAL(first.members, 1u);
  auto second = join("lobby", "s2", "bob", bob);
  CAF_CHECK(second.ok);
  CAF_CHECK(same_actor(second.room, first.room));
  CAF_CHECK_EQUAL(second.members, 2u);
  auto other = join("desk", "s1", "alice", alice);
  CAF_CHECK(!same_actor(other.room, first.room));

  auto counters = listing();
  CAF_CHECK_EQUAL(counters.rooms.size(), 2u);
  CAF_CHECK_EQUAL(counters.rooms_created, 2u);
  auto briefs = rooms();
  CAF_REQUIRE_EQUAL(briefs.size(), 2u);
  for (auto& brief : briefs)
    CAF_CHECK_EQUAL(brief.members, brief.name == "lobby" ? 2u : 1u);
  auto members = ask<std::vector<member_brief>>(directory, members_atom::value,
                                                std::string("lobby"));
  CAF_CHECK_EQUAL(members.size(), 2u);
}

CAF_TEST(a join past the room limit of the broker is refused without a room) {
  auto tight = std::make_shared<settings>(*cfg);
  tight->limits.max_rooms = 1;
  auto limited = start(directory_spawn_fn, std::shared_ptr<const settings>(tight), caf::actor{});
  CAF_CHECK(ask<join_reply>(limited, join_atom::value, std::string("lobby"),
                            member("s1", "alice", alice)).ok);
  auto refused = ask<join_reply>(limited, join_atom::value, std::string("desk"),
                                 member("s1", "alice", alice));
  CAF_CHECK(!refused.ok);
  CAF_CHECK_EQUAL(refused.error, "the broker's room limit is reached");
  CAF_CHECK(!refused.room);
  CAF_CHECK_EQUAL(ask<directory_listing>(limited, listing_atom::value).rooms_created, 1u);
  // A room that exists still takes members.
  CAF_CHECK(ask<join_reply>(limited, join_atom::value, std::string("lobby"),
                            member("s2", "bob", bob)).ok);
}

CAF_TEST(a room left empty is retired and forgotten and the next join makes a new one) {
  auto room = join("lobby", "s1", "alice", alice).room;
  CAF_CHECK(leave("lobby", "s1"));
  CAF_CHECK(gone(room));
  auto counters = listing();
  CAF_CHECK(counters.rooms.empty());
  CAF_CHECK_EQUAL(counters.rooms_retired, 1u);
  CAF_CHECK(rooms().empty());

  auto again = join("lobby", "s1", "alice", alice);
  CAF_CHECK(again.ok);
  CAF_CHECK(!same_actor(again.room, room));
  CAF_CHECK_EQUAL(listing().rooms_created, 2u);
}

CAF_TEST(a room reported empty while a join is in flight is kept) {
  auto room = join("lobby", "s1", "alice", alice).room;
  // The leave and the next join both pass the directory before the room reports
  // back on either of them.
  self->send(directory, leave_atom::value, std::string("lobby"), std::string("s1"));
  self->send(directory, join_atom::value, std::string("lobby"), member("s2", "bob", bob));
  expect((leave_atom, std::string, std::string), from(self).to(directory));
  expect((join_atom, std::string, member_info), from(self).to(directory));
  expect((leave_atom, std::string), from(self).to(room));
  auto [done, name, members] =
    next_message<room_done_atom, std::string, std::uint32_t>(room, directory);
  CAF_CHECK_EQUAL(members, 0u);
  // The room takes the join, and no retire follows it.
  expect((join_atom, member_info), from(self).to(room));
  CAF_CHECK(mailbox_empty(room));
  sched.run();
  CAF_CHECK(!gone(room));
  CAF_CHECK(answer_to_self<bool>());
  auto reply = answer_to_self<join_reply>();
  CAF_CHECK(reply.ok);
  CAF_CHECK(same_actor(reply.room, room));
  auto briefs = rooms();
  CAF_REQUIRE_EQUAL(briefs.size(), 1u);
  CAF_CHECK_EQUAL(briefs[0].members, 1u);
  CAF_CHECK_EQUAL(listing().rooms_retired, 0u);
}

CAF_TEST(leaving or asking about a room that does not exist answers at once) {
  CAF_CHECK(leave("nowhere", "s1"));
  CAF_CHECK(ask<std::vector<member_brief>>(directory, members_atom::value,
                                           std::string("nowhere")).empty());
  CAF_CHECK_EQUAL(ask<std::uint32_t>(directory, publish_atom::value, std::string("nowhere"),
                                     notice(), audience{}),
                  0u);
  CAF_CHECK_EQUAL(listing().rooms_created, 0u);
}

CAF_TEST(a room broadcast goes through the room and is answered with its size) {
  auto room = join("lobby", "s1", "alice", alice).room;
  join("lobby", "s2", "bob", bob);
  auto frame = notice();
  self->send(directory, publish_atom::value, std::string("lobby"), frame, audience{});
  expect((publish_atom, std::string, shared_frame, audience), from(self).to(directory));
  expect((publish_atom, shared_frame, audience), from(directory).to(room));
  CAF_CHECK(delivered(room, alice) == frame);
  CAF_CHECK(delivered(room, bob) == frame);
  CAF_CHECK_EQUAL(answer_to_self<std::uint32_t>(), 2u);
}

CAF_TEST(sessions are counted per user and a user message reaches each of them) {
  enrol("s1", "alice", alice);
  enrol("s2", "alice", alice_phone);
  enrol("s3", "bob", bob);
  auto counters = listing();
  CAF_CHECK_EQUAL(counters.total_users, 2u);
  CAF_CHECK_EQUAL(counters.connections_opened, 3u);
  CAF_CHECK_EQUAL(counters.sessions.size(), 3u);

  auto frame = notice();
  self->send(directory, publish_atom::value, std::string("alice"), frame);
  expect((publish_atom, std::string, shared_frame), from(self).to(directory));
  CAF_CHECK(delivered(directory, alice) == frame);
  CAF_CHECK(delivered(directory, alice_phone) == frame);
  CAF_CHECK(mailbox_empty(bob));
  CAF_CHECK_EQUAL(answer_to_self<std::uint32_t>(), 2u);
  CAF_CHECK_EQUAL(ask<std::uint32_t>(directory, publish_atom::value, std::string("carol"), frame),
                  0u);
}

CAF_TEST(a sid registered again is a recovered session and only gets a new actor) {
  enrol("s1", "alice", alice);
  enrol("s1", "alice", alice_phone);
  auto counters = listing();
  CAF_CHECK_EQUAL(counters.connections_opened, 1u);
  CAF_CHECK_EQUAL(counters.total_users, 1u);
  CAF_REQUIRE_EQUAL(counters.sessions.size(), 1u);
  CAF_CHECK(counters.sessions[0] == alice_phone);

  self->send(directory, publish_atom::value, std::string("alice"), notice());
  expect((publish_atom, std::string, shared_frame), from(self).to(directory));
  delivered(directory, alice_phone);
  CAF_CHECK(mailbox_empty(alice));
  CAF_CHECK_EQUAL(answer_to_self<std::uint32_t>(), 1u);
}

CAF_TEST(unregistering forgets the sid and its user once the last sid is gone) {
  enrol("s1", "alice", alice);
  enrol("s2", "alice", alice_phone);
  CAF_CHECK(ask<bool>(directory, unregister_atom::value, std::string("s1")));
  CAF_CHECK_EQUAL(ask<std::uint32_t>(directory, publish_atom::value, std::string("alice"),
                                     notice()),
                  1u);
  CAF_CHECK(ask<bool>(directory, unregister_atom::value, std::string("s2")));
  auto counters = listing();
  CAF_CHECK_EQUAL(counters.total_users, 0u);
  CAF_CHECK_EQUAL(counters.connections_closed, 2u);
  // An unknown sid is answered the same and counts nothing.
  CAF_CHECK(ask<bool>(directory, unregister_atom::value, std::string("s1")));
  CAF_CHECK_EQUAL(listing().connections_closed, 2u);
}

CAF_TEST(shutdown closes every session and stops persistence once they are gone) {
  enrol("s1", "alice", alice);
  auto room = join("lobby", "s1", "alice", alice).room;
  self->send(directory, shutdown_atom::value);
  expect((shutdown_atom), from(self).to(directory));
  next_message<shutdown_atom>(directory, alice);
  sched.run();
  CAF_CHECK(gone(room));
  CAF_CHECK(!gone(directory)); // waits for its session
  CAF_CHECK(mailbox_empty(persistence));

  self->send(directory, unregister_atom::value, std::string("s1"));
  expect((unregister_atom, std::string), from(self).to(directory));
  next_message<shutdown_atom>(directory, persistence);
  CAF_CHECK(gone(directory));
}

CAF_TEST(shutdown stops persistence after the grace period if a session never finishes) {
  enrol("s1", "alice", alice);
  self->send(directory, shutdown_atom::value);
  expect((shutdown_atom), from(self).to(directory));
  sched.run();
  CAF_CHECK_EQUAL(advance_time(std::chrono::milliseconds(4999)), 0u);
  CAF_CHECK(!gone(directory));
  CAF_CHECK_EQUAL(advance_time(std::chrono::milliseconds(1)), 1u);
  expect((shutdown_atom), from(directory).to(directory));
  next_message<shutdown_atom>(directory, persistence);
  CAF_CHECK(gone(directory));
}

CAF_TEST_FIXTURE_SCOPE_END()
