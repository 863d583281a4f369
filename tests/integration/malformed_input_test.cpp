// Bad input: each class gets its documented error or close, only the offending
// connection suffers, the broker stays up, and a bystander that was connected before
// keeps receiving its room's messages.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>
#include <vector>

using namespace qc::test;
using namespace std::chrono_literals;

namespace {

// Two clients in room "watch" connected before any bad input: after every case the
// speaker's message must still reach the watcher.
class bystanders {
public:
  explicit bystanders(broker_under_test& broker) : broker_(broker) {
    connect_as(watcher_, broker, "watcher");
    connect_as(speaker_, broker, "speaker");
    join_room(watcher_, "watch");
    join_room(speaker_, "watch");
  }

  void check_still_served(const std::string& after) {
    INFO("after: " << after);
    CHECK(broker_.process().running());
    const std::string content = "still here after " + after;
    REQUIRE(speaker_.emit("room_message", text_message("watch", content)));
    auto got = watcher_.wait_event("room_message");
    REQUIRE_MESSAGE(got, got.error());
    CHECK(json_doc(*got).str("/content") == content);
    REQUIRE(speaker_.wait_event("room_message"));  // the speaker's own copy
  }

private:
  broker_under_test& broker_;
  sio_client watcher_;
  sio_client speaker_;
};

struct violation {
  std::string name;
  bool connect_first;  // send CONNECT before the bad frame
  std::string frame;
};

}  // namespace

TEST_CASE("Socket.IO protocol violations close the offending connection, as the official server does") {
  broker_under_test broker;
  bystanders others(broker);
  const std::vector<violation> cases = {
      {"unknown Engine.IO packet type", true, "9"},
      {"empty text frame", true, ""},
      {"unknown Socket.IO packet type", true, "49[\"ping\",{}]"},
      {"event data that is an object", true, "42{}"},
      {"event data that is an empty array", true, "42[]"},
      {"malformed ack id", true, "42-1[\"ping\",{}]"},
      {"event before CONNECT", false, "42[\"ping\",{}]"},
      {"second CONNECT to /", true, "40"},
      {"event to a namespace that is not connected", true, "42/other,[\"ping\",{}]"},
  };
  for (const auto& v : cases) {
    INFO("case: " << v.name);
    sio_client bad;
    REQUIRE(bad.open(broker.host(), broker.port()));
    if (v.connect_first) REQUIRE(bad.connect_namespace("/"));
    REQUIRE(bad.send_raw(v.frame));
    auto closed = bad.wait_closed(3s);
    REQUIRE_MESSAGE(closed, closed.error());
    // PROTOCOL-NOTES "Invalid Socket.IO state" and "Malformed packets": close code 1002.
    CHECK_MESSAGE(closed->close_code == 1002, closed->describe());
    others.check_still_served(v.name);
  }
}

// As the official server (PROTOCOL-NOTES "Malformed packets close the connection"):
// bad JSON in a Socket.IO packet is a protocol error; invalid UTF-8 is refused by the
// WebSocket layer before Socket.IO sees it.
TEST_CASE("invalid JSON in an event closes the connection: 1002, or 1007 for invalid UTF-8") {
  broker_under_test broker;
  bystanders others(broker);
  const std::string deep = "42[\"ping\"," + std::string(100000, '[') + std::string(100000, ']') + "]";
  struct bad_json {
    std::string name;
    std::string frame;
    std::uint16_t code;
  };
  const std::vector<bad_json> cases = {
      {"truncated JSON", R"(42["ping",{"a":]])", 1002},
      {"JSON nested 100000 deep", deep, 1002},
      {"invalid UTF-8 in a text frame", "42[\"ping\",{\"a\":\"\xff\xfe\"}]", 1007},
      {"unterminated string", R"(42["ping",{"a":"b}])", 1002},
  };
  for (const auto& c : cases) {
    INFO("case: " << c.name);
    sio_client bad;
    connect_as(bad, broker, "bad");
    REQUIRE(bad.send_raw(c.frame));
    auto closed = bad.wait_closed(3s);
    REQUIRE_MESSAGE(closed, closed.error());
    CHECK_MESSAGE(closed->close_code == c.code, closed->describe());
    CHECK_FALSE(bad.wait_event("error", 1ms));  // closed, not answered
    others.check_still_served(c.name);
  }
}

TEST_CASE("a frame over maxPayload closes the connection with 1009") {
  broker_under_test broker({"--engineio.max-payload=2048"});
  bystanders others(broker);
  sio_client c;
  connect_as(c, broker, "big");
  // Just under the limit is fine.
  const std::string small = "42[\"ping\",\"" + std::string(1900, 'x') + "\"]";
  REQUIRE(c.send_raw(small));
  REQUIRE(c.wait_event("pong"));

  REQUIRE(c.send_raw("42[\"ping\",\"" + std::string(4000, 'x') + "\"]"));
  auto closed = c.wait_closed(3s);
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK_MESSAGE(closed->close_code == 1009, closed->describe());
  others.check_still_served("oversized frame");
}

// PROTOCOL.md is silent; the official server ignores an ACK whose id it never sent
// ("bad ack"), and so does the broker: no error event, no reply, no close. The pong to
// the ping sent after it must be the very next frame (waiting for "pong" alone would
// skip an error event answering the ack).
TEST_CASE("an ack for an unknown id from the client is ignored") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "ann");
  REQUIRE(c.send_raw("43999[1]"));
  REQUIRE(c.emit("ping", "{}"));
  auto next = c.read_raw(5s);
  REQUIRE_MESSAGE(next.is_text(), next.describe());
  CHECK_MESSAGE(next.data.rfind(R"(42["pong",)", 0) == 0, next.describe());
  CHECK_FALSE(c.wait_event("error", 200ms));
  CHECK(c.is_open());
}

TEST_CASE("binary attachments are refused with INVALID_MESSAGE_FORMAT and the connection stays in step") {
  broker_under_test broker;
  bystanders others(broker);
  sio_client c;
  connect_as(c, broker, "bin");
  REQUIRE(c.send_raw(R"(451-17["ping",{"_placeholder":true,"num":0}])"));
  REQUIRE(c.send_raw_binary(std::string("\x01\x02\x03", 3)));
  // Refused on its ack and as an error event; the attachment is swallowed.
  auto ack = c.wait_ack(17, 3s);
  REQUIRE_MESSAGE(ack, c.describe());
  CHECK(json_doc(*ack).str("/error_code") == "INVALID_MESSAGE_FORMAT");
  CHECK(json_doc(*ack).boolean("/ok") == false);
  auto err = c.wait_event("error", 3s);
  REQUIRE_MESSAGE(err, c.describe());
  CHECK(json_doc(*err).str("/error_code") == "INVALID_MESSAGE_FORMAT");
  CHECK_FALSE(c.wait_event("pong", 200ms));  // not processed
  // The next text frame is read as a packet again, not as an attachment.
  REQUIRE(c.emit("ping", "{}"));
  CHECK(c.wait_event("pong"));
  CHECK(c.is_open());
  others.check_still_served("binary attachment");
}
