#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/websocket_frames.hpp"

using namespace qc::protocol;
using kind = ws_event::kind;

namespace {

const unsigned char test_mask[4] = {0x37, 0xFA, 0x21, 0x3D};

/// A client frame, as a browser sends it: masked, with the shortest length encoding.
std::string client_frame(unsigned first_byte, std::string_view payload, bool masked = true) {
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  auto n = payload.size();
  unsigned char mask_bit = masked ? 0x80 : 0;
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  if (masked)
    out.append(reinterpret_cast<const char*>(test_mask), 4);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<char>(payload[i] ^ (masked ? test_mask[i % 4] : 0)));
  return out;
}

constexpr unsigned fin = 0x80;
constexpr unsigned text = 0x1, binary = 0x2, cont = 0x0, close = 0x8, ping = 0x9, pong = 0xA;

/// Feeds all of `input` (in slices of `slice` bytes) and collects the events.
std::vector<ws_event> feed(ws_frame_parser& p, std::string_view input, std::size_t slice = 1 << 30) {
  std::vector<ws_event> events;
  while (!input.empty() && !p.failed()) {
    auto piece = input.substr(0, slice);
    while (!piece.empty()) {
      auto step = p.parse(piece);
      piece.remove_prefix(step.consumed);
      input.remove_prefix(step.consumed);
      if (step.event)
        events.push_back(std::move(*step.event));
      else if (!piece.empty())
        FAIL("parser stopped without an event with input left");
      if (p.failed())
        break;
    }
  }
  return events;
}

ws_event only_event(std::string_view input, std::size_t max = 1 << 20) {
  ws_frame_parser p(max);
  auto events = feed(p, input);
  REQUIRE(events.size() == 1);
  return events.front();
}

std::string bytes(std::initializer_list<unsigned> list) {
  std::string out;
  for (auto b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

} // namespace

TEST_CASE("a masked text frame, byte for byte") {
  // RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d.
  auto frame = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  CHECK(frame == client_frame(fin | text, "Hello"));
  auto e = only_event(frame);
  CHECK(e.type == kind::text);
  CHECK(e.payload == "Hello");
}

TEST_CASE("every length class parses, whole and byte by byte") {
  for (std::size_t n : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 70000u}) {
    INFO("length " << n);
    std::string payload(n, 'x');
    for (std::size_t i = 0; i < n; ++i)
      payload[i] = static_cast<char>('a' + i % 26);
    auto frame = client_frame(fin | binary, payload);
    CHECK(frame.size() == n + 4 + (n < 126 ? 2 : n <= 0xFFFF ? 4 : 10));
    for (std::size_t slice : {std::size_t{1} << 30, std::size_t{1}, std::size_t{7}}) {
      if (n > 1000 && slice == 1)
        continue; // byte by byte is covered by the short lengths and below
      ws_frame_parser p(1 << 20);
      auto events = feed(p, frame, slice);
      REQUIRE(events.size() == 1);
      CHECK(events[0].type == kind::binary);
      CHECK(events[0].payload == payload);
    }
  }
}

TEST_CASE("a 65536-byte frame fed one byte at a time") {
  std::string payload(65536, 'q');
  ws_frame_parser p(1 << 20);
  auto events = feed(p, client_frame(fin | text, payload), 1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].payload == payload);
}

TEST_CASE("truncated input yields nothing until the rest arrives") {
  auto frame = client_frame(fin | text, std::string(300, 'z'));
  ws_frame_parser p(1 << 20);
  for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
    auto step = p.parse(std::string_view(frame).substr(i, 1));
    CHECK(step.consumed == 1);
    CHECK_FALSE(step.event);
  }
  auto last = p.parse(std::string_view(frame).substr(frame.size() - 1));
  REQUIRE(last.event);
  CHECK(last.event->payload == std::string(300, 'z'));
}

TEST_CASE("back-to-back frames come out one event per call") {
  auto input = client_frame(fin | text, "one") + client_frame(fin | binary, "two") +
               client_frame(fin | ping, "p");
  ws_frame_parser p(1 << 20);
  auto first = p.parse(input);
  REQUIRE(first.event);
  CHECK(first.consumed == 9);
  CHECK(first.event->payload == "one");
  auto events = feed(p, std::string_view(input).substr(first.consumed));
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == kind::binary);
  CHECK(events[1].type == kind::ping);
  CHECK(events[1].payload == "p");
}

TEST_CASE("fragmented messages are reassembled, with a ping in between") {
  auto input = client_frame(text, "Hel") + client_frame(fin | ping, "are you there") +
               client_frame(cont, "lo, ") + client_frame(fin | pong, "") +
               client_frame(fin | cont, "world");
  for (std::size_t slice : {std::size_t{1} << 30, std::size_t{1}, std::size_t{3}}) {
    ws_frame_parser p(1 << 20);
    auto events = feed(p, input, slice);
    REQUIRE(events.size() == 3);
    CHECK(events[0].type == kind::ping);
    CHECK(events[0].payload == "are you there");
    CHECK(events[1].type == kind::pong);
    CHECK(events[1].payload.empty());
    CHECK(events[2].type == kind::text);
    CHECK(events[2].payload == "Hello, world");
  }
}

TEST_CASE("empty fragments and a binary message in fragments") {
  auto input = client_frame(binary, "") + client_frame(cont, "ab") + client_frame(fin | cont, "");
  auto e = only_event(input);
  CHECK(e.type == kind::binary);
  CHECK(e.payload == "ab");
}

TEST_CASE("close frames") {
  SUBCASE("code and reason") {
    auto e = only_event(client_frame(fin | close, bytes({0x03, 0xE8}) + "bye"));
    CHECK(e.type == kind::close);
    CHECK(e.code == 1000);
    CHECK(e.payload == "bye");
  }
  SUBCASE("no payload means 1005") {
    auto e = only_event(client_frame(fin | close, ""));
    CHECK(e.type == kind::close);
    CHECK(e.code == 1005);
  }
  SUBCASE("application codes are fine") {
    CHECK(only_event(client_frame(fin | close, bytes({0x0F, 0xA0}))).code == 4000);
    CHECK(only_event(client_frame(fin | close, bytes({0x0B, 0xB8}))).code == 3000);
  }
  for (unsigned code : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 2999u, 5000u, 65535u}) {
    INFO("code " << code);
    auto e = only_event(client_frame(fin | close, bytes({code >> 8, code & 0xFF})));
    CHECK(e.type == kind::error);
    CHECK(e.code == 1002);
  }
  SUBCASE("a 1-byte payload is a protocol error") {
    CHECK(only_event(client_frame(fin | close, "x")).code == 1002);
  }
  SUBCASE("a reason that is not UTF-8 is 1007") {
    auto e = only_event(client_frame(fin | close, bytes({0x03, 0xE8, 0xC0, 0xAF})));
    CHECK(e.type == kind::error);
    CHECK(e.code == 1007);
  }
}

TEST_CASE("protocol errors are 1002 and stop the parser") {
  auto check_error = [](const std::string& input, std::uint16_t code) {
    ws_frame_parser p(1 << 20);
    auto events = feed(p, input);
    REQUIRE(!events.empty());
    CHECK(events.back().type == kind::error);
    CHECK(events.back().code == code);
    CHECK(p.failed());
    CHECK(p.parse("more").consumed == 0);
  };
  SUBCASE("unmasked client frame") { check_error(client_frame(fin | text, "hi", false), 1002); }
  SUBCASE("reserved bits") {
    check_error(client_frame(fin | 0x40 | text, "hi"), 1002);
    check_error(client_frame(fin | 0x10 | text, "hi"), 1002);
  }
  SUBCASE("reserved opcodes") {
    for (unsigned op : {0x3u, 0x7u, 0xBu, 0xFu})
      check_error(client_frame(fin | op, "hi"), 1002);
  }
  SUBCASE("control frame too long") { check_error(client_frame(fin | ping, std::string(126, 'p')), 1002); }
  SUBCASE("control frame of 125 bytes is fine") {
    CHECK(only_event(client_frame(fin | ping, std::string(125, 'p'))).payload.size() == 125);
  }
  SUBCASE("fragmented control frame") { check_error(client_frame(ping, "p"), 1002); }
  SUBCASE("continuation without a start") { check_error(client_frame(fin | cont, "x"), 1002); }
  SUBCASE("new message inside a fragmented one") {
    check_error(client_frame(text, "a") + client_frame(fin | text, "b"), 1002);
  }
  SUBCASE("64-bit length with the top bit set") {
    check_error(bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}), 1002);
  }
}

TEST_CASE("oversize messages are refused from the header, before the payload") {
  SUBCASE("one frame") {
    ws_frame_parser p(1000);
    auto frame = client_frame(fin | text, std::string(1001, 'x'));
    // Header (4 bytes + 4 mask bytes) alone is enough to refuse.
    auto step = p.parse(std::string_view(frame).substr(0, 8));
    REQUIRE(step.event);
    CHECK(step.event->code == 1009);
    CHECK(step.consumed == 8);
  }
  SUBCASE("exactly the limit is fine") {
    CHECK(only_event(client_frame(fin | text, std::string(1000, 'x')), 1000).payload.size() == 1000);
  }
  SUBCASE("fragments that add up past the limit") {
    auto input = client_frame(text, std::string(600, 'x')) + client_frame(fin | cont, std::string(401, 'x'));
    ws_frame_parser p(1000);
    auto events = feed(p, input);
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == kind::error);
    CHECK(events[0].code == 1009);
  }
  SUBCASE("a declared 2^62 bytes") {
    auto e = only_event(bytes({0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}), 1000);
    CHECK(e.code == 1009);
  }
}

TEST_CASE("text must be UTF-8, checked across fragment boundaries") {
  const std::string euro = "\xE2\x82\xAC"; // U+20AC, three bytes
  SUBCASE("a character split over two fragments is fine") {
    auto e = only_event(client_frame(text, "price " + euro.substr(0, 1)) +
                        client_frame(fin | cont, euro.substr(1) + " 5"));
    CHECK(e.type == kind::text);
    CHECK(e.payload == "price " + euro + " 5");
  }
  SUBCASE("a character cut short at the end of the message is 1007") {
    auto e = only_event(client_frame(text, "a" + euro.substr(0, 2)) + client_frame(fin | cont, ""));
    CHECK(e.type == kind::error);
    CHECK(e.code == 1007);
  }
  SUBCASE("an invalid byte in a later fragment is 1007") {
    auto e = only_event(client_frame(text, "ok") + client_frame(fin | cont, "\xFF"));
    CHECK(e.code == 1007);
  }
  SUBCASE("overlong forms and surrogates are 1007") {
    CHECK(only_event(client_frame(fin | text, "\xC0\xAF")).code == 1007);
    CHECK(only_event(client_frame(fin | text, "\xED\xA0\x80")).code == 1007);
  }
  SUBCASE("binary messages are not checked") {
    CHECK(only_event(client_frame(fin | binary, "\xFF\xFE")).type == kind::binary);
  }
}

TEST_CASE("server frame headers, byte for byte") {
  auto header = [](ws_opcode op, std::uint64_t n) {
    std::string out;
    append_frame_header(out, op, n);
    return out;
  };
  CHECK(header(ws_opcode::text, 0) == bytes({0x81, 0x00}));
  CHECK(header(ws_opcode::text, 125) == bytes({0x81, 0x7D}));
  CHECK(header(ws_opcode::binary, 126) == bytes({0x82, 0x7E, 0x00, 0x7E}));
  CHECK(header(ws_opcode::text, 65535) == bytes({0x81, 0x7E, 0xFF, 0xFF}));
  CHECK(header(ws_opcode::text, 65536) == bytes({0x81, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
  CHECK(header(ws_opcode::ping, 0) == bytes({0x89, 0x00}));
  CHECK(header(ws_opcode::pong, 3) == bytes({0x8A, 0x03}));
  CHECK(header(ws_opcode::close, 2) == bytes({0x88, 0x02}));
  CHECK(header(ws_opcode::text, 65536).size() == max_server_header_size);
  CHECK(encode_frame(ws_opcode::text, "Hello") == bytes({0x81, 0x05}) + "Hello");
}

TEST_CASE("close payloads") {
  CHECK(close_payload(1000, "") == bytes({0x03, 0xE8}));
  CHECK(close_payload(1008, "slow consumer") == bytes({0x03, 0xF0}) + "slow consumer");
  // Cut to 123 bytes of reason without splitting a character.
  std::string long_reason(122, 'r');
  long_reason += "\xE2\x82\xAC";
  auto cut = close_payload(1001, long_reason);
  CHECK(cut.size() == 2 + 122);
  CHECK(cut.substr(2) == std::string(122, 'r'));
  CHECK(close_payload(1001, std::string(200, 'r')).size() == 125);
}

TEST_CASE("a close payload round-trips through the parser") {
  auto e = only_event(client_frame(fin | close, close_payload(1001, "going away")));
  CHECK(e.type == kind::close);
  CHECK(e.code == 1001);
  CHECK(e.payload == "going away");
}

TEST_CASE("the conflated count is spliced into stream_data") {
  CHECK(with_conflated_count(R"(42["stream_data",{"symbol":"A","seq":3}])", 4) ==
        R"(42["stream_data",{"symbol":"A","seq":3,"conflated":4}])");
  CHECK(with_conflated_count(R"(42["stream_data",{"symbol":"A","data":{"p":1}}])", 1) ==
        R"(42["stream_data",{"symbol":"A","data":{"p":1},"conflated":1}])");
  CHECK(with_conflated_count(R"(42["stream_data",{"symbol":"A"},"17"])", 2) ==
        R"(42["stream_data",{"symbol":"A","conflated":2},"17"])");
  CHECK(with_conflated_count(R"({"event":"stream_data","data":{"symbol":"A","data":{"p":1}}})", 12) ==
        R"({"event":"stream_data","data":{"symbol":"A","data":{"p":1},"conflated":12}})");
  CHECK(with_conflated_count(R"(42["stream_data",{}])", 1) == R"(42["stream_data",{"conflated":1}])");
  CHECK(with_conflated_count("3", 1) == "3");
  CHECK(with_conflated_count("", 1) == "");
}

TEST_CASE("between_messages and messages_begun track a message in progress") {
  ws_frame_parser p(1 << 20);
  CHECK(p.between_messages());
  CHECK(p.messages_begun() == 0);
  auto first = client_frame(text, "frag"); // no FIN: a fragmented message begins
  CHECK(feed(p, first).empty());
  CHECK_FALSE(p.between_messages());
  CHECK(p.messages_begun() == 1);
  // A ping in between is part of the same wait; the message is still not whole.
  CHECK(feed(p, client_frame(fin | ping, "p")).size() == 1);
  CHECK_FALSE(p.between_messages());
  CHECK(p.messages_begun() == 1);
  // Half a continuation frame: still incomplete.
  auto last = client_frame(fin | cont, "ment");
  CHECK(feed(p, last.substr(0, 3)).empty());
  CHECK_FALSE(p.between_messages());
  auto events = feed(p, last.substr(3));
  REQUIRE(events.size() == 1);
  CHECK(events[0].payload == "fragment");
  CHECK(p.between_messages());
  // The next message is a new one.
  CHECK(feed(p, client_frame(fin | text, "x").substr(0, 1)).empty());
  CHECK(p.messages_begun() == 2);
  CHECK_FALSE(p.between_messages());
}
