// Every rule of the shipped conf/rbac_policy.csv that a session checks, through a real
// socket: an allowed and (where the policy has one) a denied case, as a table of
// (who, what, on what, expected). One broker in auth.mode optional serves every row:
// guests (no token) and token holders of each global role.
#include "tests/integration/auth_broker.hpp"
#include "tests/support/json_doc.hpp"

#include <algorithm>
#include <fstream>
#include <thread>

using namespace qc::test;
using namespace std::chrono_literals;

namespace {

// A client of the table: a guest (no roles given) or a token holder.
class client {
public:
  client(auth_broker& b, const std::string& user, const std::vector<std::string>& roles) {
    if (user.empty()) {
      auto opened = c_.open_and_connect(b.host(), b.port());
      REQUIRE_MESSAGE(opened, opened.error());
      REQUIRE(c_.wait_event("connect_response"));
    } else {
      connect_with_token(c_, b, b.token(user, roles));
    }
  }

  // Emits `event` with an ack; "" if it was done, else the ack's error_code.
  std::string ask(const std::string& event, const std::string& payload) {
    auto id = ++acks_;
    REQUIRE(c_.emit(event, payload, id));
    auto ack = c_.wait_ack(id);
    REQUIRE_MESSAGE(ack, ack.error());
    json_doc j(*ack);
    REQUIRE_MESSAGE(j.boolean("/ok").has_value(), *ack);
    return *j.boolean("/ok") ? "" : j.str("/error_code");
  }

  std::string request(const std::string& action, const std::string& payload = "{}") {
    return ask("request", R"({"type":"request","request_id":"q)" + std::to_string(acks_ + 1)
                            + R"(","action":")" + action + R"(","payload":)" + payload + "}");
  }

  std::string last_ack_text(const std::string& action, const std::string& payload = "{}") {
    auto id = ++acks_;
    REQUIRE(c_.emit("request", R"({"type":"request","request_id":"l","action":")" + action
                                 + R"(","payload":)" + payload + "}",
                    id));
    auto ack = c_.wait_ack(id);
    REQUIRE_MESSAGE(ack, ack.error());
    return *ack;
  }

  sio_client& socket() { return c_; }

private:
  sio_client c_;
  std::uint64_t acks_ = 0;
};

std::string room(const std::string& r) { return R"({"room":")" + r + "\"}"; }

struct row {
  const char* rule;   // the policy line(s) this row exercises
  const char* user;   // "" = guest
  std::vector<std::string> roles;
  const char* check;  // what is tried
  const char* target;
  bool allowed;
};

// What `check` on `target` does for `c`: "" done, or the error code it got. Rooms a
// check needs to be in are joined first (and that join must succeed).
std::string attempt(client& c, const std::string& check, const std::string& target) {
  auto in_room = [&] { REQUIRE(c.ask("subscribe", room(target)) == ""); };
  if (check == "join")
    return c.ask("subscribe", room(target));
  if (check == "leave") {
    in_room();
    return c.ask("unsubscribe", room(target));
  }
  if (check == "send_message") {
    in_room();
    return c.ask("room_message", text_message(target, "hello"));
  }
  if (check == "send_targeted") {
    in_room();
    return c.ask("room_message", R"({"room":")" + target
                                   + R"(","content":"psst","message_type":"text","target":{"role":"admin"}})");
  }
  if (check == "subscribe")
    return c.ask("subscribe_market_stream", R"({"symbol":")" + target + "\"}");
  if (check == "market_data")
    return c.request("get_market_data", R"({"symbol":")" + target + "\"}");
  if (check == "publish")
    return c.ask("publish", R"({"symbol":")" + target + R"(","price":1.5})");
  if (check == "send_to_user")
    return c.request("send_to_user", R"({"user_id":")" + target + R"(","event":"note","data":{}})");
  if (check == "broadcast")
    return c.request("broadcast", R"({"room":")" + target + R"(","event":"note","data":{}})");
  if (check == "list_members")
    return c.request("room_members", room(target));
  if (check == "list_members_joined") {
    in_room();
    return c.request("room_members", room(target));
  }
  if (check == "list_rooms")
    return c.request("list_rooms");
  if (check == "stats")
    return c.request("get_stats");
  if (check == "read_saved")
    return c.request("get_subscriptions");
  if (check == "read_offline")
    return c.request("get_offline_messages");
  FAIL("unknown check " << check);
  return "?";
}

}  // namespace

TEST_CASE("shipped policy: each rule the session checks, allowed and denied, through a socket") {
  auth_broker b("optional");
  // Rooms that exist (room_members of an empty room is ROOM_NOT_FOUND, not a decision).
  client host(b, "host", {"admin"});
  for (const auto* r : {"market_a", "desk_a", "desk_b", "public_a"})
    REQUIRE(host.ask("subscribe", room(r)) == "");

  const std::vector<std::string> none;
  const std::vector<row> rows{
    {"p guest room:market_* join", "", none, "join", "market_a", true},
    {"p guest room:public_* join", "", none, "join", "public_a", true},
    {"(no rule) guest room:desk_* join", "", none, "join", "desk_a", false},
    {"p viewer room:* join", "vera", {"viewer"}, "join", "desk_a", true},
    {"p guest room:market_* leave", "", none, "leave", "market_a", true},
    {"p viewer room:* leave", "vera", {"viewer"}, "leave", "desk_a", true},
    {"p room_member send_message", "vera", {"viewer"}, "send_message", "desk_a", true},
    {"(room_guest has no send_message)", "", none, "send_message", "market_a", false},
    {"p trader room:* send_targeted", "tom", {"trader"}, "send_targeted", "desk_a", true},
    {"(viewer, room_member: no send_targeted)", "vera", {"viewer"}, "send_targeted", "desk_a", false},
    {"p guest stream:* subscribe", "", none, "subscribe", "600519", true},
    {"p guest stream:* subscribe (get_market_data)", "", none, "market_data", "600519", true},
    {"p publisher stream:* publish", "pete", {"publisher"}, "publish", "600519", true},
    {"g admin publisher", "ada", {"admin"}, "publish", "600519", true},
    {"(viewer: no publish)", "vera", {"viewer"}, "publish", "600519", false},
    {"(trader: no publish)", "tom", {"trader"}, "publish", "600519", false},
    {"p publisher user:* send_to_user", "pete", {"publisher"}, "send_to_user", "vera", true},
    {"(viewer: no send_to_user)", "vera", {"viewer"}, "send_to_user", "pete", false},
    {"p publisher room:* broadcast", "pete", {"publisher"}, "broadcast", "desk_a", true},
    {"(trader: no broadcast)", "tom", {"trader"}, "broadcast", "desk_a", false},
    {"p room_member list_members", "vera", {"viewer"}, "list_members_joined", "desk_a", true},
    {"(viewer outside the room: no list_members)", "vera", {"viewer"}, "list_members", "desk_b", false},
    {"(room_guest: no list_members)", "", none, "list_members_joined", "market_a", false},
    {"p admin room:* list_members", "ada", {"admin"}, "list_members", "desk_b", true},
    {"p guest system:rooms list", "", none, "list_rooms", "", true},
    {"p admin system:stats read", "ada", {"admin"}, "stats", "", true},
    {"(trader: no stats)", "tom", {"trader"}, "stats", "", false},
    {"(publisher: no stats)", "pete", {"publisher"}, "stats", "", false},
    {"p viewer user:* read_saved", "vera", {"viewer"}, "read_saved", "", true},
    {"p publisher user:* read_saved", "pete", {"publisher"}, "read_saved", "", true},
    {"(guest: no read_saved)", "", none, "read_saved", "", false},
    {"p viewer user:* read_offline", "vera", {"viewer"}, "read_offline", "", true},
    {"(guest: no read_offline)", "", none, "read_offline", "", false},
  };
  for (const auto& r : rows) {
    INFO("rule: " << std::string(r.rule) << " | user " << std::string(*r.user ? r.user : "(guest)") << " "
                  << std::string(r.check) << " " << std::string(r.target));
    client c(b, r.user, r.roles);
    auto got = attempt(c, r.check, r.target);
    if (r.allowed)
      CHECK_MESSAGE(got != "PERMISSION_DENIED", got);
    else
      CHECK(got == "PERMISSION_DENIED");
  }
}

TEST_CASE("shipped policy: list_rooms shows only the rooms the caller may view") {
  auth_broker b("optional");
  client host(b, "host", {"admin"});
  for (const auto* r : {"market_a", "desk_a", "public_a"})
    REQUIRE(host.ask("subscribe", room(r)) == "");
  auto names = [](const std::string& ack) {
    json_doc j(ack);
    std::vector<std::string> out;
    for (long i = 0; i < j.size("/data"); ++i)
      out.push_back(j.str("/data/" + std::to_string(i) + "/room"));
    std::sort(out.begin(), out.end());
    return out;
  };
  client guest(b, "", {});
  CHECK(names(guest.last_ack_text("list_rooms")) == std::vector<std::string>{"market_a", "public_a"});
  client viewer(b, "vera", {"viewer"});
  CHECK(names(viewer.last_ack_text("list_rooms"))
        == std::vector<std::string>{"desk_a", "market_a", "public_a"});
}

TEST_CASE("a publish batch with one symbol the policy refuses is refused whole, naming it") {
  temp_dir conf("qc-policy");
  auto policy = conf.path() / "policy.csv";
  std::ofstream(policy) << "p, feed, stream:AAA*, publish\n"
                           "p, feed, stream:*, subscribe\n";
  auth_broker b("jwt", {"--auth.rbac-policy-file=" + policy.string()});
  client feed(b, "feed1", {"feed"});
  CHECK(feed.ask("publish", R"([{"symbol":"AAA1","price":1},{"symbol":"AAA2","price":2}])") == "");
  auto id = 99;
  REQUIRE(feed.socket().emit("publish", R"([{"symbol":"AAA1","price":3},{"symbol":"BBB","price":4}])", id));
  auto ack = feed.socket().wait_ack(id);
  REQUIRE_MESSAGE(ack, ack.error());
  json_doc j(*ack);
  CHECK(j.str("/error_code") == "PERMISSION_DENIED");
  CHECK(j.str("/message").find("BBB") != std::string::npos);
  // Nothing of the refused batch went out: AAA1's last price is still 1.
  auto data = feed.last_ack_text("get_market_data", R"({"symbol":"AAA1"})");
  CHECK(data.find("\"price\":1") != std::string::npos);
  CHECK(data.find("\"price\":3") == std::string::npos);
}

TEST_CASE("saved subscriptions come back only while the roles permit them") {
  auth_broker b("jwt");
  {
    client v(b, "vera", {"viewer"});
    REQUIRE(v.ask("subscribe", room("desk_a")) == "");
    REQUIRE(v.ask("subscribe", room("market_a")) == "");
  }
  std::this_thread::sleep_for(300ms); // the first connection is gone
  {
    // As a guest-only role now: desk_a is not restored (nor listed), market_a is.
    sio_client s;
    auto welcome = connect_with_token(s, b, b.token("vera", {"guest"}));
    json_doc j(welcome);
    CHECK(j.strings("/restored/rooms") == std::vector<std::string>{"market_a"});
    s.close();
  }
  std::this_thread::sleep_for(300ms);
  {
    // A viewer again: both, since desk_a stayed saved.
    sio_client s;
    auto welcome = connect_with_token(s, b, b.token("vera", {"viewer"}));
    CHECK(json_doc(welcome).strings("/restored/rooms") == std::vector<std::string>{"desk_a", "market_a"});
  }
}
