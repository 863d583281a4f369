// kick_member and set_member_role (PROTOCOL-NOTES "Room roles"): what the parser takes
// and refuses, the room role names on the wire, and the payloads of the events the room
// and the caller get.

#include <string>

#include <doctest/doctest.h>

#include "protocol/client_events.hpp"
#include "protocol/json.hpp"
#include "protocol/request_data.hpp"
#include "protocol/room_roles.hpp"
#include "protocol/server_events.hpp"

using namespace qc::protocol;

namespace {

const limits lim;

std::variant<client_event, event_error> run(std::string_view name, std::string_view payload_json) {
  if (payload_json.empty())
    return parse_client_event(name, nullptr, lim);
  auto doc = parse_json(payload_json, lim);
  REQUIRE(doc.ok());
  return parse_client_event(name, &*doc, lim);
}

template <class Event>
Event accepted(std::string_view name, std::string_view payload_json) {
  auto out = run(name, payload_json);
  if (const auto* err = std::get_if<event_error>(&out))
    FAIL("refused: ", err->err.message);
  REQUIRE(std::holds_alternative<Event>(std::get<client_event>(out)));
  return std::get<Event>(std::get<client_event>(out));
}

void refused(std::string_view name, std::string_view payload_json, std::string_view says) {
  INFO(std::string(name), " ", std::string(payload_json));
  auto out = run(name, payload_json);
  REQUIRE(std::holds_alternative<event_error>(out));
  const auto& err = std::get<event_error>(out);
  CHECK(err.err.code == error_code::invalid_parameters);
  CHECK(err.reply_event == "error");
  CHECK(err.err.message.find(says) != std::string::npos);
}

} // namespace

TEST_CASE("room roles: wire names map to the policy's room roles and back") {
  CHECK(room_role_from_wire("owner") == "room_owner");
  CHECK(room_role_from_wire("guest") == "room_guest");
  CHECK_FALSE(room_role_from_wire("room_owner").has_value()); // clients send the short name
  CHECK_FALSE(room_role_from_wire("Owner").has_value());
  CHECK_FALSE(room_role_from_wire("").has_value());
  CHECK(room_role_to_wire("room_moderator") == "moderator");
  CHECK(room_role_to_wire("member") == "member");
}

TEST_CASE("kick_member takes a room and a user_id or a sid") {
  auto by_user = accepted<kick_member_in>("kick_member", R"({"room":"desk","user_id":"bob"})");
  CHECK(by_user.room == "desk");
  CHECK(by_user.user_id == "bob");
  CHECK(by_user.sid.empty());
  auto by_sid = accepted<kick_member_in>("kick_member", R"({"room":"desk","sid":"s-1"})");
  CHECK(by_sid.user_id.empty());
  CHECK(by_sid.sid == "s-1");
  auto both = accepted<kick_member_in>("kick_member", R"({"room":"desk","user_id":"bob","sid":"s-1"})");
  CHECK(both.user_id == "bob");
  CHECK(both.sid.empty()); // the user id wins
  auto nulls = accepted<kick_member_in>("kick_member", R"({"room":"desk","user_id":null,"sid":"s-2"})");
  CHECK(nulls.sid == "s-2");
}

TEST_CASE("kick_member refusals are INVALID_PARAMETERS on error") {
  refused("kick_member", "", "room");
  refused("kick_member", R"({"user_id":"bob"})", "room");
  refused("kick_member", R"({"room":"no spaces","user_id":"bob"})", "room name");
  refused("kick_member", R"({"room":"desk"})", "user_id");
  refused("kick_member", R"({"room":"desk","user_id":""})", "user_id");
  refused("kick_member", R"({"room":"desk","user_id":7})", "user_id");
  refused("kick_member", R"({"room":"desk","user_id":")" + std::string(129, 'u') + "\"}", "user_id");
  refused("kick_member", R"({"room":"desk","sid":["s"]})", "sid");
}

TEST_CASE("set_member_role takes a room, a user_id and a wire role name") {
  auto ev = accepted<set_member_role_in>("set_member_role", R"({"room":"desk","user_id":"bob","role":"moderator"})");
  CHECK(ev.room == "desk");
  CHECK(ev.user_id == "bob");
  CHECK(ev.role == "room_moderator");
  for (auto name : {"owner", "admin", "member", "guest"})
    CHECK(accepted<set_member_role_in>("set_member_role",
                                       R"({"room":"desk","user_id":"bob","role":")" + std::string(name) + "\"}")
              .role
          == "room_" + std::string(name));
}

TEST_CASE("set_member_role refusals are INVALID_PARAMETERS on error") {
  refused("set_member_role", R"({"user_id":"bob","role":"admin"})", "room");
  refused("set_member_role", R"({"room":"desk","role":"admin"})", "user_id");
  refused("set_member_role", R"({"room":"desk","user_id":"bob"})", "role");
  refused("set_member_role", R"({"room":"desk","user_id":"bob","role":"room_admin"})", "role");
  refused("set_member_role", R"({"room":"desk","user_id":"bob","role":"superuser"})", "role");
  refused("set_member_role", R"({"room":"desk","user_id":"bob","role":3})", "role");
}

TEST_CASE("room administration payloads") {
  CHECK(encode_room_kicked("desk", "alice", 5) == R"({"room":"desk","by":"alice","timestamp":5})");
  CHECK(encode_member_kicked("desk", "bob", 2) == R"({"room":"desk","user_id":"bob","sessions":2})");
  CHECK(encode_member_left("desk", "s1", "bob", 6, "kicked")
        == R"({"room":"desk","sid":"s1","user_id":"bob","timestamp":6,"reason":"kicked"})");
  CHECK(encode_member_role_changed("desk", "bob", "room_moderator", "alice", 7)
        == R"({"room":"desk","user_id":"bob","role":"moderator","by":"alice","timestamp":7})");
  CHECK(encode_member_role_set("desk", "bob", "room_admin") == R"({"room":"desk","user_id":"bob","role":"admin"})");
  CHECK(encode_room_members("desk", std::vector<member_row>{{"s1", "alice", "owner"}, {"s2", "b\"ob", "member"}})
        == R"({"room":"desk","count":2,"members":[{"sid":"s1","user_id":"alice","role":"owner"},)"
           R"({"sid":"s2","user_id":"b\"ob","role":"member"}]})");
}
