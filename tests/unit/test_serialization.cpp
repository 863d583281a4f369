// Every message type that may cross nodes goes through CAF 0.17's binary serializer and
// back with every field intact: a field missing from an `inspect` overload fails here,
// not as a silent default on another node.

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/rooms/directory_interface.hpp"
#include "actors/rooms/room_interface.hpp"

using namespace qc;

namespace {

// The types below must stay serializable: marking one CAF_ALLOW_UNSAFE_MESSAGE_TYPE
// again would make it local-only without anyone noticing.
static_assert(!caf::allowed_unsafe_message_type<tick_batch>::value);
static_assert(!caf::allowed_unsafe_message_type<saved_state>::value);
static_assert(!caf::allowed_unsafe_message_type<offline_batch>::value);
static_assert(!caf::allowed_unsafe_message_type<join_reply>::value);
static_assert(!caf::allowed_unsafe_message_type<directory_listing>::value);

caf::behavior idle_actor(caf::event_based_actor*, int) {
  return {[](int) {}};
}

/// An actor system, and two live actors whose handles the messages can carry.
struct serialization_test {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::actor first = system.spawn(idle_actor, 1);
  caf::actor second = system.spawn(idle_actor, 2);

  ~serialization_test() {
    caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(second, caf::exit_reason::user_shutdown);
  }

  template <class T>
  T round_trip(T in) {
    std::vector<char> bytes;
    caf::binary_serializer sink{system, bytes};
    auto saved = sink(in);
    REQUIRE_MESSAGE(!saved, system.render(saved));
    REQUIRE(!bytes.empty());
    T out{};
    caf::binary_deserializer source{system, bytes};
    auto loaded = source(out);
    REQUIRE_MESSAGE(!loaded, system.render(loaded));
    CHECK(source.remaining() == 0);
    return out;
  }
};

protocol::tick full_tick() {
  protocol::tick t;
  t.symbol = "AAPL";
  t.id = "t-17";
  t.timestamp_ms = 1'700'000'000'123;
  t.fields = {{"price", "189.5"}, {"volume", "1200"}};
  return t;
}

} // namespace

TEST_CASE_FIXTURE(serialization_test, "wire_frame round-trips every field") {
  wire_frame in{"42[\"room_message\",{}]", "{\"event\":\"room_message\"}", "AAPL", "r:7",
                "room_message", "{\"content\":\"hi\"}", "m-1", "alice"};
  auto out = round_trip(in);
  CHECK(out.socketio == in.socketio);
  CHECK(out.json == in.json);
  CHECK(out.conflate_key == in.conflate_key);
  CHECK(out.offset == in.offset);
  CHECK(out.event == in.event);
  CHECK(out.payload == in.payload);
  CHECK(out.id == in.id);
  CHECK(out.sender == in.sender);
}

TEST_CASE_FIXTURE(serialization_test, "topic_id round-trips every field") {
  topic_id in{41, 3};
  CHECK(round_trip(in) == in);
}

TEST_CASE_FIXTURE(serialization_test, "member_info round-trips every field, the handle too") {
  member_info in{"sid-1", "alice", {"trader", "admin"}, first, "room_moderator"};
  auto out = round_trip(in);
  CHECK(out.sid == in.sid);
  CHECK(out.user_id == in.user_id);
  CHECK(out.roles == in.roles);
  CHECK(out.session == first);
  CHECK(out.room_role == in.room_role);
}

TEST_CASE_FIXTURE(serialization_test, "join_reply round-trips every field, the room handle too") {
  join_reply in;
  in.ok = false;
  in.room = caf::actor_cast<room_actor>(second);
  in.members = 12;
  in.code = protocol::error_code::room_not_found; // not the default
  in.error = "the broker's room limit is reached";
  in.room_role = "room_owner";
  auto out = round_trip(in);
  CHECK(out.room_role == in.room_role);
  CHECK(out.ok == in.ok);
  CHECK(out.room == in.room);
  CHECK(out.members == in.members);
  CHECK(out.code == in.code);
  CHECK(out.error == in.error);
  in.ok = true;
  CHECK(round_trip(in).ok);
}

TEST_CASE_FIXTURE(serialization_test, "audience, member_brief and room_brief round-trip") {
  auto to = round_trip(audience{"trader", "bob"});
  CHECK(to.role == "trader");
  CHECK(to.user_id == "bob");
  auto m = round_trip(member_brief{"sid-2", "carol", "room_admin"});
  CHECK(m.sid == "sid-2");
  CHECK(m.user_id == "carol");
  CHECK(m.room_role == "room_admin");
  auto r = round_trip(room_brief{"lobby", 9});
  CHECK(r.name == "lobby");
  CHECK(r.members == 9);
}

TEST_CASE_FIXTURE(serialization_test, "kick_request, role_request and room_admin_reply round-trip") {
  auto k = round_trip(kick_request{"s1", "alice", "bob", "s2"});
  CHECK(k.caller_sid == "s1");
  CHECK(k.caller_user == "alice");
  CHECK(k.target_user == "bob");
  CHECK(k.target_sid == "s2");
  auto r = round_trip(role_request{"s1", "alice", "bob", "room_moderator"});
  CHECK(r.caller_sid == "s1");
  CHECK(r.caller_user == "alice");
  CHECK(r.target_user == "bob");
  CHECK(r.role == "room_moderator");
  room_admin_reply in;
  in.ok = true;
  in.code = protocol::error_code::permission_denied;
  in.error = "why";
  in.user_id = "bob";
  in.sessions = 3;
  in.role = "room_admin";
  auto out = round_trip(in);
  CHECK(out.ok);
  CHECK(out.code == in.code);
  CHECK(out.error == in.error);
  CHECK(out.user_id == in.user_id);
  CHECK(out.sessions == 3u);
  CHECK(out.role == in.role);
}

TEST_CASE_FIXTURE(serialization_test, "room_stats round-trips every field") {
  room_stats in{"lobby", 1, 2, 3, 4, 5, 6};
  auto out = round_trip(in);
  CHECK(out.name == in.name);
  CHECK(out.members == in.members);
  CHECK(out.joins == in.joins);
  CHECK(out.leaves == in.leaves);
  CHECK(out.messages == in.messages);
  CHECK(out.created_ms == in.created_ms);
  CHECK(out.last_message_ms == in.last_message_ms);
}

TEST_CASE_FIXTURE(serialization_test, "connection_stats round-trips every field") {
  connection_stats in{"sid-3", "dave", "websocket", 1, 2, 3, 4, 5, 6, true};
  auto out = round_trip(in);
  CHECK(out.sid == in.sid);
  CHECK(out.user_id == in.user_id);
  CHECK(out.transport == in.transport);
  CHECK(out.messages_in == in.messages_in);
  CHECK(out.messages_out == in.messages_out);
  CHECK(out.errors == in.errors);
  CHECK(out.rooms == in.rooms);
  CHECK(out.connected_ms == in.connected_ms);
  CHECK(out.last_activity_ms == in.last_activity_ms);
  CHECK(out.parked == in.parked);
}

TEST_CASE_FIXTURE(serialization_test, "stream_stats round-trips every field") {
  stream_stats in{"MSFT", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  auto out = round_trip(in);
  CHECK(out.symbol == in.symbol);
  CHECK(out.subscriber_count == in.subscriber_count);
  CHECK(out.peak_subscribers == in.peak_subscribers);
  CHECK(out.ticks == in.ticks);
  CHECK(out.duplicates_dropped == in.duplicates_dropped);
  CHECK(out.messages_sent == in.messages_sent);
  CHECK(out.filters == in.filters);
  CHECK(out.buffer_size == in.buffer_size);
  CHECK(out.buffer_bytes == in.buffer_bytes);
  CHECK(out.seq == in.seq);
  CHECK(out.last_update_ms == in.last_update_ms);
  CHECK(out.created_ms == in.created_ms);
}

TEST_CASE_FIXTURE(serialization_test, "directory_listing round-trips every field, handles too") {
  directory_listing in;
  in.sessions = {first, second};
  in.rooms = {caf::actor_cast<room_actor>(second)};
  in.total_users = 1;
  in.connections_opened = 2;
  in.connections_closed = 3;
  in.rooms_created = 4;
  in.rooms_retired = 5;
  auto out = round_trip(in);
  CHECK(out.sessions == in.sessions);
  CHECK(out.rooms == in.rooms);
  CHECK(out.total_users == in.total_users);
  CHECK(out.connections_opened == in.connections_opened);
  CHECK(out.connections_closed == in.connections_closed);
  CHECK(out.rooms_created == in.rooms_created);
  CHECK(out.rooms_retired == in.rooms_retired);
}

TEST_CASE_FIXTURE(serialization_test, "publish_result round-trips every field") {
  auto out = round_trip(publish_result{7, 2});
  CHECK(out.accepted == 7);
  CHECK(out.duplicates == 2);
}

TEST_CASE_FIXTURE(serialization_test, "a tick_batch keeps present and absent optional fields") {
  protocol::tick bare;
  bare.symbol = "IBM";
  bare.fields = {{"price", "1"}};
  tick_batch in{full_tick(), bare};
  auto out = round_trip(in);
  REQUIRE(out.size() == 2);
  CHECK(out[0].symbol == "AAPL");
  CHECK(out[0].id == std::optional<std::string>("t-17"));
  CHECK(out[0].timestamp_ms == std::optional<std::int64_t>(1'700'000'000'123));
  CHECK(out[0].fields == in[0].fields);
  CHECK(out[1].symbol == "IBM");
  CHECK_FALSE(out[1].id.has_value());
  CHECK_FALSE(out[1].timestamp_ms.has_value());
  CHECK(out[1].fields == in[1].fields);
}

TEST_CASE_FIXTURE(serialization_test, "saved_state round-trips rooms and streams") {
  saved_state in;
  in.rooms = {"a", "b"};
  in.streams = {{"AAPL", {"price"}}, {"MSFT", {}}};
  auto out = round_trip(in);
  CHECK(out.rooms == in.rooms);
  CHECK(out.streams == in.streams);
}

TEST_CASE_FIXTURE(serialization_test, "offline_batch round-trips every field") {
  offline_batch in{{5, "notification", "{\"x\":1}", 123}, {6, "room_message", "{}", 456}};
  auto out = round_trip(in);
  REQUIRE(out.size() == 2);
  for (std::size_t i = 0; i < in.size(); ++i) {
    CHECK(out[i].id == in[i].id);
    CHECK(out[i].event == in[i].event);
    CHECK(out[i].payload == in[i].payload);
    CHECK(out[i].created_ms == in[i].created_ms);
  }
}

TEST_CASE_FIXTURE(serialization_test, "identity round-trips every field") {
  identity in{"erin", {"publisher"}, false};
  auto out = round_trip(in);
  CHECK(out.user_id == in.user_id);
  CHECK(out.roles == in.roles);
  CHECK(out.anonymous == in.anonymous);
}

TEST_CASE_FIXTURE(serialization_test, "persistence_stats round-trips every field") {
  persistence_stats in{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto out = round_trip(in);
  CHECK(out.saved_rooms == in.saved_rooms);
  CHECK(out.saved_streams == in.saved_streams);
  CHECK(out.queued_offline == in.queued_offline);
  CHECK(out.delivered_offline == in.delivered_offline);
  CHECK(out.dropped_offline == in.dropped_offline);
  CHECK(out.expired_offline == in.expired_offline);
  CHECK(out.refused_offline == in.refused_offline);
  CHECK(out.total_offline_messages == in.total_offline_messages);
  CHECK(out.total_offline_bytes == in.total_offline_bytes);
  CHECK(out.users_with_offline_messages == in.users_with_offline_messages);
  CHECK(out.commits == in.commits);
  CHECK(out.write_errors == in.write_errors);
}

TEST_CASE_FIXTURE(serialization_test, "recovery_stats round-trips every field") {
  recovery_stats in{1, 2, 3, 4, 5, 6, 7, 8};
  auto out = round_trip(in);
  CHECK(out.parked_sessions == in.parked_sessions);
  CHECK(out.parked_total == in.parked_total);
  CHECK(out.recovered == in.recovered);
  CHECK(out.recovery_gaps == in.recovery_gaps);
  CHECK(out.expired == in.expired);
  CHECK(out.refused_parks == in.refused_parks);
  CHECK(out.replayed_packets == in.replayed_packets);
  CHECK(out.parked_bytes == in.parked_bytes);
}
