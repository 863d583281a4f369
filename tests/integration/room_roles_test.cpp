// Room roles over real sockets (PROTOCOL-NOTES "Room roles"): a broker started with a
// policy file that gives one user room_owner and another room_moderator in a room
// through g2 lines (identity from X-User-Id, header mode); kick_member and
// set_member_role as a client sends them, and what every side hears.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

using namespace qc::test;

namespace {

constexpr std::chrono::milliseconds kQuiet{400};
const std::string kRoom = "desk_a";

// The shipped policy plus the room-scoped roles of this file's users in desk_a.
std::string policy_with_room_roles(const temp_dir& dir) {
  std::ifstream shipped(QC_SHIPPED_POLICY);
  REQUIRE_MESSAGE(shipped, "cannot read " QC_SHIPPED_POLICY);
  std::stringstream text;
  text << shipped.rdbuf()
       << "\ng2, olga, room_owner, room:desk_a\n"
          "g2, max, room_moderator, room:desk_a\n";
  const auto path = dir.path() / "rbac_policy.csv";
  std::ofstream(path) << text.str();
  return path.string();
}

struct roles_broker {
  temp_dir dir{"qc-roles"};
  broker_under_test broker{{"--auth.rbac-policy-file=" + policy_with_room_roles(dir)}};
};

json_doc next(sio_client& c, const std::string& event) {
  auto got = c.wait_event(event);
  REQUIRE_MESSAGE(got, (event + ": " + got.error() + "\n" + c.describe()));
  json_doc j(*got);
  REQUIRE(j.ok());
  return j;
}

std::string error_code_of(sio_client& c) {
  return next(c, "error").str("/error_code");
}

std::string kick(const std::string& user) {
  return "{\"room\":\"" + kRoom + "\",\"user_id\":\"" + user + "\"}";
}

std::string set_role(const std::string& user, const std::string& role) {
  return "{\"room\":\"" + kRoom + "\",\"user_id\":\"" + user + "\",\"role\":\"" + role + "\"}";
}

}  // namespace

TEST_CASE("room roles: the owner kicks a member; all three sides hear it and the room stays gone") {
  roles_broker rb;
  sio_client owner, member, watcher;
  connect_as(owner, rb.broker, "olga");
  const std::string member_sid = connect_as(member, rb.broker, "bob");
  connect_as(watcher, rb.broker, "wendy");
  join_room(owner, kRoom);
  join_room(member, kRoom);
  join_room(watcher, kRoom);

  // room_members shows each member's room role.
  REQUIRE(watcher.emit("request", R"({"request_id":"m1","action":"room_members","payload":{"room":"desk_a"}})"));
  auto listed = next(watcher, "response");
  CHECK(listed.size("/data/members") == 3);
  for (long i = 0; i < 3; ++i) {
    const std::string row = "/data/members/" + std::to_string(i);
    const auto user = listed.str(row + "/user_id");
    CHECK(listed.str(row + "/role") == (user == "olga" ? "owner" : "member"));
  }

  REQUIRE(owner.emit("kick_member", kick("bob"), 1));
  auto ack = owner.wait_ack(1);
  REQUIRE_MESSAGE(ack, ack.error());
  json_doc a(*ack);
  CHECK(a.boolean("/ok") == true);
  CHECK(a.str("/room") == kRoom);
  CHECK(a.str("/user_id") == "bob");
  CHECK(a.integer("/sessions") == 1);
  CHECK(next(owner, "member_kicked").integer("/sessions") == 1);

  auto kicked = next(member, "room_kicked");
  CHECK(kicked.str("/room") == kRoom);
  CHECK(kicked.str("/by") == "olga");
  CHECK(kicked.integer("/timestamp").value_or(0) > 1700000000000);

  for (sio_client* c : {&watcher, &owner}) {
    auto left = next(*c, "room_member_left");
    CHECK(left.str("/room") == kRoom);
    CHECK(left.str("/sid") == member_sid);
    CHECK(left.str("/user_id") == "bob");
    CHECK(left.str("/reason") == "kicked");
  }

  // No more room messages for the kicked one, and it may not send any.
  REQUIRE(owner.emit("room_message", text_message(kRoom, "after the kick")));
  CHECK(next(watcher, "room_message").str("/content") == "after the kick");
  CHECK(member.expect_no_event("room_message", kQuiet));
  REQUIRE(member.emit("room_message", text_message(kRoom, "still here?")));
  CHECK(error_code_of(member) == "ROOM_NOT_FOUND");

  // Forgotten live and saved; a new connection of the same user does not get it back.
  REQUIRE(member.emit("request", R"({"request_id":"s1","action":"get_subscriptions"})"));
  auto subs = next(member, "response");
  CHECK(subs.strings("/data/rooms").empty());
  CHECK(subs.strings("/data/saved/rooms").empty());
  member.close();
  sio_client again;
  std::map<std::string, std::string> headers{{"X-User-Id", "bob"}};
  auto connected = again.open_and_connect(rb.broker.host(), rb.broker.port(), "", headers);
  REQUIRE_MESSAGE(connected, connected.error());
  auto welcome = next(again, "connect_response");
  CHECK(welcome.strings("/restored/rooms").empty());
  REQUIRE(owner.emit("room_message", text_message(kRoom, "to the room")));
  CHECK(next(watcher, "room_message").str("/content") == "to the room");
  CHECK(again.expect_no_event("room_message", kQuiet));
}

TEST_CASE("room roles: a plain member cannot kick (PERMISSION_DENIED)") {
  roles_broker rb;
  sio_client owner, member, other;
  connect_as(owner, rb.broker, "olga");
  connect_as(member, rb.broker, "bob");
  connect_as(other, rb.broker, "carl");
  join_room(owner, kRoom);
  join_room(member, kRoom);
  join_room(other, kRoom);
  REQUIRE(member.emit("kick_member", kick("carl"), 7));
  auto ack = member.wait_ack(7);
  REQUIRE_MESSAGE(ack, ack.error());
  CHECK(json_doc(*ack).boolean("/ok") == false);
  CHECK(json_doc(*ack).str("/error_code") == "PERMISSION_DENIED");
  CHECK(error_code_of(member) == "PERMISSION_DENIED");
  CHECK(other.expect_no_event("room_kicked", kQuiet));
  // Outside the room: ROOM_NOT_FOUND; bad fields: INVALID_PARAMETERS.
  REQUIRE(owner.emit("kick_member", R"({"room":"elsewhere","user_id":"carl"})"));
  CHECK(error_code_of(owner) == "ROOM_NOT_FOUND");
  REQUIRE(owner.emit("kick_member", R"({"room":"desk_a"})"));
  CHECK(error_code_of(owner) == "INVALID_PARAMETERS");
  REQUIRE(owner.emit("kick_member", kick("nobody")));
  CHECK(error_code_of(owner) == "INVALID_PARAMETERS");
}

TEST_CASE("room roles: a moderator cannot kick the owner but can kick a member") {
  roles_broker rb;
  sio_client owner, moderator, member;
  connect_as(owner, rb.broker, "olga");
  connect_as(moderator, rb.broker, "max");
  connect_as(member, rb.broker, "bob");
  join_room(owner, kRoom);
  join_room(moderator, kRoom);
  join_room(member, kRoom);
  REQUIRE(moderator.emit("kick_member", kick("olga")));
  CHECK(error_code_of(moderator) == "PERMISSION_DENIED");
  CHECK(owner.expect_no_event("room_kicked", kQuiet));
  REQUIRE(moderator.emit("kick_member", kick("bob")));
  CHECK(next(moderator, "member_kicked").str("/user_id") == "bob");
  CHECK(next(member, "room_kicked").str("/by") == "max");
}

TEST_CASE("room roles: the owner makes a member moderator, who then may kick a member") {
  roles_broker rb;
  sio_client owner, bob, carl;
  connect_as(owner, rb.broker, "olga");
  connect_as(bob, rb.broker, "bob");
  connect_as(carl, rb.broker, "carl");
  join_room(owner, kRoom);
  join_room(bob, kRoom);
  join_room(carl, kRoom);
  // Before: bob may not kick.
  REQUIRE(bob.emit("kick_member", kick("carl")));
  CHECK(error_code_of(bob) == "PERMISSION_DENIED");

  REQUIRE(owner.emit("set_member_role", set_role("bob", "moderator"), 3));
  auto ack = owner.wait_ack(3);
  REQUIRE_MESSAGE(ack, ack.error());
  CHECK(json_doc(*ack).boolean("/ok") == true);
  CHECK(json_doc(*ack).str("/role") == "moderator");
  auto set = next(owner, "member_role_set");
  CHECK(set.str("/user_id") == "bob");
  CHECK(set.str("/role") == "moderator");
  for (sio_client* c : {&owner, &bob, &carl}) {
    auto changed = next(*c, "room_member_role_changed");
    CHECK(changed.str("/room") == kRoom);
    CHECK(changed.str("/user_id") == "bob");
    CHECK(changed.str("/role") == "moderator");
    CHECK(changed.str("/by") == "olga");
    CHECK(changed.is_integer("/timestamp"));
  }
  REQUIRE(bob.emit("kick_member", kick("carl")));
  CHECK(next(bob, "member_kicked").str("/user_id") == "carl");
  CHECK(next(carl, "room_kicked").str("/by") == "bob");
}

TEST_CASE("room roles: a moderator cannot grant admin") {
  roles_broker rb;
  sio_client owner, moderator, bob;
  connect_as(owner, rb.broker, "olga");
  connect_as(moderator, rb.broker, "max");
  connect_as(bob, rb.broker, "bob");
  join_room(owner, kRoom);
  join_room(moderator, kRoom);
  join_room(bob, kRoom);
  REQUIRE(moderator.emit("set_member_role", set_role("bob", "admin")));
  CHECK(error_code_of(moderator) == "PERMISSION_DENIED");
  CHECK(bob.expect_no_event("room_member_role_changed", kQuiet));
  REQUIRE(moderator.emit("set_member_role", set_role("bob", "boss")));
  CHECK(error_code_of(moderator) == "INVALID_PARAMETERS");
}
