// The WebSocket write path and framing that the broker does itself (not Beast): bursts
// written many frames per write still arrive whole and in order, pings and pongs, the
// close handshake, and the errors a broken client frame gets.
#include "tests/integration/broker_under_test.hpp"
#include "tests/integration/raw_ws.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace qc::test;
using namespace std::chrono_literals;

namespace {


constexpr unsigned op_text = 0x1, op_close = 0x8, op_ping = 0x9, op_pong = 0xA;

// Content of the i-th burst message: sizes vary so that frames of every header size
// (7-bit, 16-bit and 64-bit lengths) and both copied and referenced payloads mix.
std::string burst_content(int i) {
  std::size_t size = i % 50 == 7 ? 65000 : i % 10 == 3 ? 3000 : 10 + i % 40;
  std::string content = "m" + std::to_string(i) + ":";
  content.append(size, static_cast<char>('a' + i % 26));
  return content;
}

} // namespace

TEST_CASE("a burst of room messages arrives whole and in order on Socket.IO and /ws clients") {
  broker_under_test broker({"--limits.events-per-second=100000"});
  constexpr int messages = 400;
  std::vector<std::unique_ptr<sio_client>> sio;
  std::vector<std::unique_ptr<json_ws_client>> plain;
  for (int i = 0; i < 3; ++i) {
    sio.push_back(std::make_unique<sio_client>());
    connect_as(*sio.back(), broker, "s" + std::to_string(i));
    join_room(*sio.back(), "burst");
  }
  for (int i = 0; i < 2; ++i) {
    plain.push_back(std::make_unique<json_ws_client>());
    auto& w = *plain.back();
    REQUIRE(w.connect(broker.host(), broker.port(), "user_id=w" + std::to_string(i)).ok);
    REQUIRE(w.wait_event("connect_response"));
    REQUIRE(w.send("subscribe", R"({"room":"burst"})"));
    REQUIRE(w.wait_event("subscribed"));
  }
  sio_client sender;
  connect_as(sender, broker, "sender");
  join_room(sender, "burst");
  for (int i = 0; i < messages; ++i)
    REQUIRE(sender.emit("room_message", text_message("burst", burst_content(i))));

  auto check_order = [&](auto& client, const std::string& who) {
    for (int i = 0; i < messages; ++i) {
      auto got = client.wait_event("room_message", 10s);
      REQUIRE_MESSAGE(got, who << " message " << i << ": " << got.error());
      auto content = json_doc(*got).str("/content");
      REQUIRE_MESSAGE(content == burst_content(i), who << " message " << i << " out of order or damaged");
    }
  };
  for (std::size_t i = 0; i < sio.size(); ++i)
    check_order(*sio[i], "socket.io client " + std::to_string(i));
  for (std::size_t i = 0; i < plain.size(); ++i)
    check_order(*plain[i], "/ws client " + std::to_string(i));
  check_order(sender, "the sender");
}

TEST_CASE("the upgrade answer: 101 with the RFC's accept key, no extensions, our Server header") {
  broker_under_test broker;
  raw_ws ws(broker.port());
  auto head = ws.upgrade("/ws?user_id=hs", "Sec-WebSocket-Extensions: permessage-deflate\r\n");
  CHECK(head.starts_with("HTTP/1.1 101"));
  // RFC 6455 §1.3: the sample key's accept value.
  CHECK(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK(head.find("Server: quotecast\r\n") != std::string::npos);
  CHECK(head.find("Extensions") == std::string::npos);
  auto welcome = ws.read_frame();
  CHECK(welcome.opcode == op_text);
  CHECK(welcome.payload.find("connect_response") != std::string::npos);
}

TEST_CASE("an unsupported WebSocket version gets 426 with the version we speak") {
  broker_under_test broker;
  raw_ws ws(broker.port());
  auto head = ws.upgrade("/ws", "", "12");
  CHECK(head.starts_with("HTTP/1.1 426"));
  CHECK(head.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
}

TEST_CASE("/ws: the server pings every interval, answers pings, and cuts a silent client") {
  broker_under_test broker({"--engineio.ping-interval=300"});
  SUBCASE("pings come and a client ping gets its pong") {
    raw_ws ws(broker.port());
    REQUIRE(ws.upgrade("/ws?user_id=pp").starts_with("HTTP/1.1 101"));
    for (int i = 0; i < 3; ++i) {
      auto ping = ws.read_until(op_ping, 2s);
      REQUIRE_MESSAGE(ping.opcode == op_ping, "ping " << i);
      ws.send_frame(0x80 | op_pong, ping.payload);
    }
    ws.send_frame(0x80 | op_ping, "are you there");
    auto pong = ws.read_until(op_pong, 2s);
    REQUIRE(pong.opcode == op_pong);
    CHECK(pong.payload == "are you there");
    // Answering pings keeps the connection: a normal close still works afterwards.
    ws.send_close(1000);
    auto echo = ws.read_until(op_close, 2s);
    REQUIRE(echo.opcode == op_close);
    CHECK(echo.close_code() == 1000);
    auto end = ws.read_frame(2s);
    CHECK(end.eof); // FIN, not a reset
  }
  SUBCASE("a client that sends nothing for two intervals is cut") {
    raw_ws ws(broker.port());
    REQUIRE(ws.upgrade("/ws?user_id=mute").starts_with("HTTP/1.1 101"));
    auto started = std::chrono::steady_clock::now();
    raw_ws::frame f;
    do
      f = ws.read_frame(3s);
    while (f.opcode != 0);
    CHECK_FALSE(f.timeout);
    auto after = std::chrono::steady_clock::now() - started;
    CHECK(after >= 550ms);
    CHECK(after < 1500ms);
  }
}

TEST_CASE("Socket.IO connections get no WebSocket pings (Engine.IO pings instead)") {
  broker_under_test broker({"--engineio.ping-interval=200", "--engineio.ping-timeout=5000"});
  raw_ws ws(broker.port());
  REQUIRE(ws.upgrade("/socket.io/?EIO=4&transport=websocket").starts_with("HTTP/1.1 101"));
  auto open = ws.read_frame();
  CHECK(open.payload.starts_with("0{"));
  int ws_pings = 0, eio_pings = 0;
  auto until = std::chrono::steady_clock::now() + 700ms;
  while (std::chrono::steady_clock::now() < until) {
    auto f = ws.read_frame(100ms);
    ws_pings += f.opcode == op_ping;
    eio_pings += f.opcode == op_text && f.payload == "2";
  }
  CHECK(ws_pings == 0);
  CHECK(eio_pings >= 2);
}

TEST_CASE("/ws: bad frames close with the RFC's codes") {
  broker_under_test broker({"--engineio.max-payload=4096"});
  auto expect_close = [&](auto send_bad, std::uint16_t code) {
    raw_ws ws(broker.port());
    REQUIRE(ws.upgrade("/ws?user_id=bad").starts_with("HTTP/1.1 101"));
    REQUIRE(ws.read_frame().opcode == op_text); // connect_response
    send_bad(ws);
    auto close = ws.read_until(op_close, 3s);
    REQUIRE(close.opcode == op_close);
    CHECK(close.close_code() == code);
    CHECK_FALSE(ws.read_frame(3s).timeout); // and then the connection ends
  };
  SUBCASE("invalid UTF-8 text is 1007") {
    expect_close([](raw_ws& ws) { ws.send_frame(0x81, "{\"event\":\"ping\",\"data\":\"\xC3\x28\"}"); }, 1007);
  }
  SUBCASE("invalid UTF-8 across fragments is 1007") {
    expect_close([](raw_ws& ws) {
      ws.send_frame(0x01, "{\"a\":\"\xE2\x82");
      ws.send_frame(0x80, "\"}"); // the character never completes
    }, 1007);
  }
  SUBCASE("an unmasked frame is 1002") {
    expect_close([](raw_ws& ws) { ws.send_frame(0x81, "{}", false); }, 1002);
  }
  SUBCASE("a reserved opcode is 1002") {
    expect_close([](raw_ws& ws) { ws.send_frame(0x83, "{}"); }, 1002);
  }
  SUBCASE("a message over max-payload is 1009") {
    expect_close([](raw_ws& ws) { ws.send_frame(0x82, std::string(5000, 'x')); }, 1009);
  }
}

TEST_CASE("/ws: a split UTF-8 character in fragments is fine and the session answers") {
  broker_under_test broker;
  raw_ws ws(broker.port());
  REQUIRE(ws.upgrade("/ws?user_id=frag").starts_with("HTTP/1.1 101"));
  REQUIRE(ws.read_frame().opcode == op_text);
  ws.send_frame(0x01, "{\"event\":\"ping\",\"data\":{\"x\":\"\xE2\x82");
  ws.send_frame(0x89, "mid");                         // a ping between fragments
  ws.send_frame(0x80, "\xAC\"}}");
  auto pong = ws.read_frame();
  CHECK(pong.opcode == op_pong);
  CHECK(pong.payload == "mid");
  auto reply = ws.read_frame();
  CHECK(reply.opcode == op_text);
  CHECK(reply.payload.find("\"event\":\"pong\"") != std::string::npos);
}

TEST_CASE("past the soft outbound bound a slow reader gets the newest tick, with the skipped count") {
  broker_under_test broker({"--limits.soft-outbound-bytes=16384"});
  raw_ws slow(broker.port(), 4096);
  REQUIRE(slow.upgrade("/ws?user_id=slow").starts_with("HTTP/1.1 101"));
  slow.send_frame(0x81, R"({"event":"subscribe_market_stream","data":{"symbol":"AAA","fields":["price","pad"]}})");
  // It reads nothing while 10,000 ticks of one symbol are published. ~700 bytes each:
  // 7 MB, more than the kernel's socket buffers can take (tcp_wmem allows 4 MB), so the
  // broker's own queue must pass the soft bound however fast or slow the build is.
  constexpr int ticks = 10000;
  const std::string pad(600, 'p');
  for (int batch = 0; batch < ticks / 1000; ++batch) {
    std::string body = "[";
    for (int i = 0; i < 1000; ++i)
      body += (i ? "," : "") + std::string(R"({"symbol":"AAA","price":)") + std::to_string(batch * 1000 + i + 1)
              + R"(,"pad":")" + pad + "\"}";
    body += "]";
    REQUIRE(http_request("POST", broker.host(), broker.port(), "/publish", body).status == 200);
  }
  std::this_thread::sleep_for(300ms);
  // Then it reads: every tick is either delivered or counted in "conflated", in order,
  // and the last one is the newest.
  std::int64_t delivered = 0, skipped = 0, last_seq = 0, conflated_frames = 0;
  while (last_seq < ticks) {
    auto f = slow.read_frame(3s);
    REQUIRE_MESSAGE(f.opcode == op_text, "after seq " << last_seq);
    json_doc doc(f.payload);
    if (doc.str("/event") != "stream_data")
      continue;
    auto seq = doc.integer("/data/seq").value_or(0);
    CHECK(seq > last_seq);
    last_seq = seq;
    ++delivered;
    if (doc.has("/data/conflated")) {
      ++conflated_frames;
      skipped += doc.integer("/data/conflated").value_or(0);
    }
  }
  CHECK(conflated_frames > 0);
  CHECK(delivered < ticks);
  CHECK(delivered + skipped == ticks);
  auto stats = json_doc(http_get(broker.host(), broker.port(), "/stats").body);
  CHECK(stats.integer("/backpressure/conflated").value_or(-1) == skipped);
}
