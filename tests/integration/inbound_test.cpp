// Inbound abuse, through the real binary: input over the per-connection budget is
// refused before it is parsed (malformed input too) and a flood is closed; messages
// that never finish (WebSocket fragments, Socket.IO attachments) are closed after
// limits.incomplete-message-timeout; nothing large is echoed back; and a header-mode
// client cannot claim a guest's generated id.
#include "tests/integration/broker_under_test.hpp"
#include "tests/integration/raw_ws.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>
#include <string>
#include <thread>

using namespace qc::test;
using namespace std::chrono_literals;

namespace {

// Opens /ws as `user` and consumes connect_response.
void open_ws(json_ws_client& w, broker_under_test& broker, const std::string& user) {
  auto r = w.connect(broker.host(), broker.port(), "user_id=" + user);
  REQUIRE_MESSAGE(r.ok, r.error);
  REQUIRE(w.wait_event("connect_response"));
}

constexpr unsigned op_text_frame = 0x1;

// A Socket.IO binary event announcing one attachment (the ping event's payload).
const std::string one_attachment = R"(451-["ping",{"_placeholder":true,"num":0}])";

}  // namespace

TEST_CASE("malformed /ws messages count against the budget, and a flood is closed with 1008") {
  broker_under_test broker({"--limits.events-per-second=5", "--limits.over-budget-seconds=2"});
  json_ws_client calm;
  open_ws(calm, broker, "calm");
  json_ws_client flood;
  open_ws(flood, broker, "flood");

  // Ten malformed messages at once: the burst (5) is parsed and refused as malformed,
  // the rest is refused before parsing.
  for (int i = 0; i < 10; ++i) REQUIRE(flood.send_raw("{not json"));
  int malformed = 0, limited = 0;
  for (int i = 0; i < 10; ++i) {
    auto err = flood.wait_event("error", 3s);
    REQUIRE_MESSAGE(err, err.error());
    auto code = json_doc(*err).str("/error_code");
    if (code == "INVALID_MESSAGE_FORMAT") ++malformed;
    else if (code == "RATE_LIMIT_EXCEEDED") ++limited;
  }
  CHECK(malformed >= 5);
  CHECK(malformed <= 6);  // a token may come back meanwhile
  CHECK(malformed + limited == 10);

  // Keep flooding: refused in two consecutive seconds, the connection is closed.
  auto start = std::chrono::steady_clock::now();
  outcome<ws_message> closed = outcome<ws_message>::failure("still open");
  while (std::chrono::steady_clock::now() - start < 8s) {
    for (int i = 0; i < 20; ++i)
      if (!flood.send_raw("{")) break;
    closed = flood.wait_closed(100ms);
    if (closed) break;
  }
  REQUIRE_MESSAGE(closed, flood.describe());
  CHECK_MESSAGE(closed->close_code == 1008, closed->describe());
  CHECK(closed->close_reason == "rate limit exceeded");
  CHECK(std::chrono::steady_clock::now() - start < 5s);

  // The calm client was never limited.
  REQUIRE(calm.send("ping", "{}"));
  CHECK(calm.wait_event("pong"));
  CHECK(fetch_stats(broker).integer("/gateway/flood_disconnects") == 1);
}

TEST_CASE("limits.inbound-bytes-per-second refuses bytes past the budget, with the ack") {
  broker_under_test broker({"--limits.inbound-bytes-per-second=4096", "--engineio.max-payload=4096"});
  sio_client c;
  connect_as(c, broker, "bytes");
  const std::string big = "\"" + std::string(3000, 'x') + "\"";
  REQUIRE(c.emit("ping", big, 1));
  auto first = c.wait_ack(1);
  REQUIRE_MESSAGE(first, first.error());
  CHECK(json_doc(*first).boolean("/ok") == true);
  // 3 KB more right away is over the 4 KB burst: refused, answered on its ack.
  REQUIRE(c.emit("ping", big, 2));
  auto second = c.wait_ack(2);
  REQUIRE_MESSAGE(second, second.error());
  CHECK(json_doc(*second).str("/error_code") == "RATE_LIMIT_EXCEEDED");
  CHECK(json_doc(*second).boolean("/ok") == false);
  // Small messages still pass (the message rate is far from used up)...
  REQUIRE(c.emit("ping", "{}", 3));
  auto third = c.wait_ack(3);
  REQUIRE_MESSAGE(third, third.error());
  CHECK(json_doc(*third).boolean("/ok") == true);
  // ... and the bytes come back with time.
  std::this_thread::sleep_for(1s);
  REQUIRE(c.emit("ping", big, 4));
  auto fourth = c.wait_ack(4);
  REQUIRE_MESSAGE(fourth, fourth.error());
  CHECK(json_doc(*fourth).boolean("/ok") == true);
  CHECK(c.is_open());
}

TEST_CASE("Engine.IO ping data is echoed only up to engineio.max-ping-payload") {
  broker_under_test broker;
  sio_client c;
  REQUIRE(c.open(broker.host(), broker.port()));
  REQUIRE(c.send_raw("2probe"));
  auto pong = c.read_raw(3s);
  REQUIRE_MESSAGE(pong.is_text(), pong.describe());
  CHECK(pong.data == "3probe");

  REQUIRE(c.send_raw("2" + std::string(100000, 'p')));
  auto closed = c.wait_closed(3s);
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK_MESSAGE(closed->close_code == 1002, closed->describe());
  CHECK(closed->close_reason.size() <= 123);
  CHECK(c.describe().find("ppppppppppppppppppppppppppppppp") == std::string::npos);  // never echoed
}

TEST_CASE("a namespace past limits.max-namespace-bytes is refused without being echoed") {
  broker_under_test broker;
  sio_client c;
  REQUIRE(c.open(broker.host(), broker.port()));
  // A short unknown namespace is answered, with its name, as the official server does.
  auto reply = c.connect_namespace("/other");
  REQUIRE_MESSAGE(reply, reply.error());
  CHECK_FALSE(reply->accepted);
  CHECK(reply->nsp == "/other");
  // 500 KB of namespace: closed with a short reason, nothing sent back.
  REQUIRE(c.send_raw("40/" + std::string(500000, 'n') + ","));
  auto closed = c.wait_closed(3s);
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK_MESSAGE(closed->close_code == 1002, closed->describe());
  CHECK(closed->close_reason.find("namespace longer than 128 bytes") != std::string::npos);
  CHECK_FALSE(c.take_other_packet().has_value());
  CHECK(c.describe().find("nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn") == std::string::npos);
}

TEST_CASE("a fragmented message that never completes is closed after limits.incomplete-message-timeout") {
  broker_under_test broker({"--limits.incomplete-message-timeout=1000"});
  {
    // Fragments that complete in time are fine.
    raw_ws ws(broker.port());
    REQUIRE(ws.upgrade("/ws?user_id=slow").starts_with("HTTP/1.1 101"));
    REQUIRE(ws.read_until(op_text_frame).opcode == op_text_frame);  // connect_response
    ws.send_frame(0x01, R"({"event":"pi)");
    std::this_thread::sleep_for(400ms);
    ws.send_frame(0x80, R"(ng","data":{}})");
    auto pong = ws.read_until(op_text_frame);
    REQUIRE(pong.opcode == op_text_frame);
    CHECK(pong.payload.find("\"pong\"") != std::string::npos);
  }
  {
    // The first fragment, and then nothing: closed 1008.
    raw_ws ws(broker.port());
    REQUIRE(ws.upgrade("/ws?user_id=stuck").starts_with("HTTP/1.1 101"));
    REQUIRE(ws.read_until(op_text_frame).opcode == op_text_frame);
    auto start = std::chrono::steady_clock::now();
    ws.send_frame(0x01, R"({"event":"pi)");
    auto close = ws.read_until(0x8, 5s);
    REQUIRE_MESSAGE(close.opcode == 0x8, "no close frame");
    CHECK(close.close_code() == 1008);
    CHECK(close.payload.substr(2) == "incomplete message timeout");
    auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 900ms);
    CHECK(waited < 4s);
  }
  {
    // A frame that announces 1000 bytes and trickles them: closed as well, although
    // bytes keep coming.
    raw_ws ws(broker.port());
    REQUIRE(ws.upgrade("/ws?user_id=trickle").starts_with("HTTP/1.1 101"));
    REQUIRE(ws.read_until(op_text_frame).opcode == op_text_frame);
    ws.send_bytes(std::string("\x81\xFE\x03\xE8\x00\x00\x00\x00", 8));  // FIN text, masked, 1000 bytes
    raw_ws::frame close;
    for (int i = 0; i < 40 && close.opcode != 0x8; ++i) {
      ws.send_bytes("xxxxx");
      close = ws.read_frame(100ms);
    }
    REQUIRE_MESSAGE(close.opcode == 0x8, "no close frame");
    CHECK(close.close_code() == 1008);
  }
  CHECK(fetch_stats(broker).integer("/gateway/incomplete_disconnects") == 2);
}

TEST_CASE("a binary packet whose attachments never come is closed after the deadline") {
  broker_under_test broker({"--limits.incomplete-message-timeout=1000"});
  sio_client c;
  connect_as(c, broker, "attach");
  auto start = std::chrono::steady_clock::now();
  REQUIRE(c.send_raw(one_attachment));
  auto err = c.wait_event("error", 3s);
  REQUIRE_MESSAGE(err, err.error());
  CHECK(json_doc(*err).str("/error_code") == "INVALID_MESSAGE_FORMAT");
  auto closed = c.wait_closed(5s);
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK_MESSAGE(closed->close_code == 1008, closed->describe());
  CHECK(closed->close_reason == "incomplete message timeout");
  CHECK(std::chrono::steady_clock::now() - start >= 900ms);
  CHECK(fetch_stats(broker).integer("/gateway/incomplete_disconnects") == 1);
}

TEST_CASE("a binary packet refused by the budget still has its attachments swallowed, in step") {
  broker_under_test broker({"--limits.events-per-second=2"});
  sio_client c;
  connect_as(c, broker, "bin");
  REQUIRE(c.emit("ping", "{}"));
  REQUIRE(c.emit("ping", "{}"));
  REQUIRE(c.send_raw(R"(451-9["ping",{"_placeholder":true,"num":0}])"));
  REQUIRE(c.send_raw_binary("abc"));
  auto ack = c.wait_ack(9, 3s);
  REQUIRE_MESSAGE(ack, c.describe());
  CHECK(json_doc(*ack).str("/error_code") == "RATE_LIMIT_EXCEEDED");
  std::this_thread::sleep_for(1100ms);
  REQUIRE(c.emit("ping", "{}", 10));
  auto pong = c.wait_ack(10, 3s);
  REQUIRE_MESSAGE(pong, c.describe());
  CHECK(json_doc(*pong).boolean("/ok") == true);
  CHECK(c.is_open());
}

TEST_CASE("attachments past limits.max-attachment-bytes close the connection with 1009") {
  broker_under_test broker({"--limits.max-attachment-bytes=1000"});
  sio_client c;
  connect_as(c, broker, "attach");
  REQUIRE(c.send_raw(R"(452-["ping",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"));
  REQUIRE(c.send_raw_binary(std::string(800, 'a')));
  REQUIRE(c.send_raw_binary(std::string(800, 'b')));
  auto closed = c.wait_closed(3s);
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK_MESSAGE(closed->close_code == 1009, closed->describe());
}

TEST_CASE("header mode: a client cannot claim a guest's anon- id and receive its messages") {
  broker_under_test broker;
  sio_client victim;
  auto sid = connect_as(victim, broker);
  const std::string guest = "anon-" + sid;

  sio_client by_header;
  REQUIRE(by_header.open(broker.host(), broker.port(), "", {{"X-User-Id", guest}}));
  auto refused = by_header.connect_namespace("/");
  REQUIRE_MESSAGE(refused, refused.error());
  CHECK_FALSE(refused->accepted);
  CHECK(json_doc(refused->data).str("/data/error_code") == "AUTH_FAILED");

  sio_client by_query;
  REQUIRE(by_query.open(broker.host(), broker.port(), "user_id=" + guest));
  auto refused2 = by_query.connect_namespace("/");
  REQUIRE_MESSAGE(refused2, refused2.error());
  CHECK_FALSE(refused2->accepted);

  json_ws_client plain;
  REQUIRE(plain.connect(broker.host(), broker.port(), "user_id=" + guest).ok);
  auto err = plain.wait_event("error");
  REQUIRE_MESSAGE(err, err.error());
  CHECK(json_doc(*err).str("/error_code") == "AUTH_FAILED");
  auto closed = plain.wait_closed();
  REQUIRE_MESSAGE(closed, closed.error());
  CHECK(closed->close_code == 1008);

  // A message for the guest reaches the guest, and nobody else.
  sio_client sender;
  connect_as(sender, broker, "sender");
  REQUIRE(sender.emit("request",
                      R"({"type":"request","request_id":"r1","action":"send_to_user","payload":{"user_id":")" +
                          guest + R"(","event":"secret","data":{"n":1}}})"));
  auto got = victim.wait_event("notification");
  REQUIRE_MESSAGE(got, got.error());
  CHECK(json_doc(*got).str("/event") == "secret");
  CHECK(by_header.expect_no_event("notification", 300ms));
  CHECK(by_query.expect_no_event("notification", 10ms));
}
