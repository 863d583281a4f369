#include <string>

#include <doctest/doctest.h>

#include "protocol/engineio.hpp"
#include "protocol/socketio.hpp"

using namespace qc::protocol;

namespace {

const limits lim;

sio_packet must_parse(std::string_view text) {
  auto p = parse_sio(text, lim);
  INFO("packet: ", std::string(text));
  if (!p)
    INFO("error: ", p.error().message);
  REQUIRE(p.ok());
  return std::move(*p);
}

bool rejected(std::string_view text, const limits& l = lim) {
  auto p = parse_sio(text, l);
  if (p)
    return false;
  CHECK(p.error().code == error_code::invalid_message_format);
  CHECK_FALSE(p.error().message.empty());
  return true;
}

sio_packet make(sio_packet_type type, std::string nsp, std::optional<std::uint64_t> id, std::size_t attachments,
                std::string data) {
  sio_packet p;
  p.type = type;
  p.nsp = std::move(nsp);
  p.ack_id = id;
  p.attachments = attachments;
  p.data = std::move(data);
  return p;
}

} // namespace

TEST_CASE("good Socket.IO packets parse into their parts and encode back byte for byte") {
  struct sample {
    const char* text;
    sio_packet_type type;
    const char* nsp;
    std::optional<std::uint64_t> id;
    std::size_t attachments;
    const char* data;
  };
  const sample samples[] = {
      {"0", sio_packet_type::connect, "/", {}, 0, ""},
      {"0{\"token\":\"abc\"}", sio_packet_type::connect, "/", {}, 0, "{\"token\":\"abc\"}"},
      {"0/admin,", sio_packet_type::connect, "/admin", {}, 0, ""},
      {"0/admin,{\"token\":\"abc\"}", sio_packet_type::connect, "/admin", {}, 0, "{\"token\":\"abc\"}"},
      {"0{\"sid\":\"x\"}", sio_packet_type::connect, "/", {}, 0, "{\"sid\":\"x\"}"},
      {"1", sio_packet_type::disconnect, "/", {}, 0, ""},
      {"1/admin,", sio_packet_type::disconnect, "/admin", {}, 0, ""},
      {"2[\"hello\",1]", sio_packet_type::event, "/", {}, 0, "[\"hello\",1]"},
      {"2[\"hello\"]", sio_packet_type::event, "/", {}, 0, "[\"hello\"]"},
      {"2/admin,[\"a\",{\"b\":[1]}]", sio_packet_type::event, "/admin", {}, 0, "[\"a\",{\"b\":[1]}]"},
      {"212[\"a\"]", sio_packet_type::event, "/", 12, 0, "[\"a\"]"},
      {"2/admin,0[\"a\"]", sio_packet_type::event, "/admin", 0, 0, "[\"a\"]"},
      {"2123456789012345678[\"a\"]", sio_packet_type::event, "/", 123456789012345678ull, 0, "[\"a\"]"},
      {"3456[1,\"2\"]", sio_packet_type::ack, "/", 456, 0, "[1,\"2\"]"},
      {"37[]", sio_packet_type::ack, "/", 7, 0, "[]"},
      {"3/admin,7[null]", sio_packet_type::ack, "/admin", 7, 0, "[null]"},
      {"4{\"message\":\"x\"}", sio_packet_type::connect_error, "/", {}, 0, "{\"message\":\"x\"}"},
      {"4/random,{\"message\":\"Invalid namespace\"}", sio_packet_type::connect_error, "/random", {}, 0,
       "{\"message\":\"Invalid namespace\"}"},
      {"4\"boom\"", sio_packet_type::connect_error, "/", {}, 0, "\"boom\""},
      {"52-[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", sio_packet_type::binary_event,
       "/", {}, 2, "[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]"},
      {"51-/admin,7[\"up\",{\"_placeholder\":true,\"num\":0}]", sio_packet_type::binary_event, "/admin", 7, 1,
       "[\"up\",{\"_placeholder\":true,\"num\":0}]"},
      {"50-[\"none\"]", sio_packet_type::binary_event, "/", {}, 0, "[\"none\"]"},
      {"610-3[{\"_placeholder\":true,\"num\":0}]", sio_packet_type::binary_ack, "/", 3, 10,
       "[{\"_placeholder\":true,\"num\":0}]"},
  };
  for (const auto& s : samples) {
    CAPTURE(s.text);
    const sio_packet p = must_parse(s.text);
    CHECK(p.type == s.type);
    CHECK(p.nsp == s.nsp);
    CHECK(p.ack_id == s.id);
    CHECK(p.attachments == s.attachments);
    CHECK(p.data == s.data);
    CHECK(encode_sio(p) == s.text);
  }
}

TEST_CASE("a namespace without a comma runs to the end of the packet") {
  const sio_packet p = must_parse("0/admin");
  CHECK(p.type == sio_packet_type::connect);
  CHECK(p.nsp == "/admin");
  CHECK(p.data.empty());
  CHECK(rejected("2/admin")); // an EVENT needs data
}

TEST_CASE("encode_sio writes exactly what the official server emits") {
  CHECK(encode_eio_message(encode_sio(make(sio_packet_type::connect, "/", {}, 0, R"({"sid":"x"})"))) ==
        R"(40{"sid":"x"})");
  CHECK(encode_eio_message(encode_sio(make(sio_packet_type::connect_error, "/random", {}, 0,
                                           R"({"message":"Invalid namespace"})"))) ==
        R"(44/random,{"message":"Invalid namespace"})");
  CHECK(encode_eio_message(encode_sio(make(sio_packet_type::ack, "/", 456, 0, R"([1,"2"])"))) == R"(43456[1,"2"])");
  CHECK(encode_eio_message(encode_sio(make(sio_packet_type::binary_event, "/", {}, 2,
                                           R"(["a",{"_placeholder":true,"num":0}])"))) ==
        R"(452-["a",{"_placeholder":true,"num":0}])");
  CHECK(encode_sio(make(sio_packet_type::disconnect, "/", {}, 0, "")) == "1");
  CHECK(encode_sio(make(sio_packet_type::disconnect, "/chat", {}, 0, "")) == "1/chat,");
  CHECK(encode_sio(make(sio_packet_type::event, "", {}, 0, R"(["a"])")) == R"(2["a"])");
  CHECK(encode_sio(make(sio_packet_type::binary_ack, "/x", 18446744073709551615ull, 1, "[]")) ==
        "61-/x,18446744073709551615[]");
}

TEST_CASE("the Engine.IO message prefix comes off before parse_sio") {
  const auto eio = parse_eio_text("42/admin,5[\"ev\",{}]");
  REQUIRE(eio);
  const sio_packet p = must_parse(eio->data);
  CHECK(p.type == sio_packet_type::event);
  CHECK(p.nsp == "/admin");
  CHECK(p.ack_id == 5u);
}

TEST_CASE("bad packet types and truncated packets are refused") {
  CHECK(rejected(""));
  CHECK(rejected("7"));
  CHECK(rejected("9[\"a\"]"));
  CHECK(rejected("x"));
  CHECK(rejected("/admin,[\"a\"]"));
  CHECK(rejected("2"));           // EVENT without data
  CHECK(rejected("212"));         // EVENT with an id but no data
  CHECK(rejected("2[\"a\""));     // truncated JSON
  CHECK(rejected("2[\"a\","));
  CHECK(rejected("2/admin,"));
  CHECK(rejected("3"));           // ACK without data
  CHECK(rejected("31"));
}

TEST_CASE("binary attachment counts are checked") {
  CHECK(rejected("5[\"a\"]"));           // no count
  CHECK(rejected("5-[\"a\"]"));          // empty count
  CHECK(rejected("52[\"a\"]"));          // count without its '-'
  CHECK(rejected("52"));                 // nothing after the count
  CHECK(rejected("5x-[\"a\"]"));
  CHECK(rejected("511-[\"a\"]"));        // over the limit of 10
  CHECK(rejected("599999999999999999999999-[\"a\"]"));
  limits l;
  l.max_attachments = 0;
  CHECK(rejected("51-[\"a\"]", l));
  CHECK_FALSE(rejected("50-[\"a\"]", l));
  CHECK(rejected("6-[]"));
}

TEST_CASE("ack ids longer than 18 digits are refused") {
  CHECK(rejected("21234567890123456789[\"a\"]"));     // 19 digits
  CHECK(rejected("318446744073709551616[]"));         // past 2^64
  CHECK(rejected("399999999999999999999999999999[]"));
}

TEST_CASE("data must be valid JSON within limits") {
  CHECK(rejected("2abc"));
  CHECK(rejected("2[\"a\"] trailing"));
  CHECK(rejected("2[\"a\",1e999]"));
  CHECK(rejected("2[\"\xff\xfe\"]"));
  CHECK(rejected("2[\"a\",\"\xc0\xaf\"]"));
  CHECK(rejected("2[\"a\"," + std::string(100000, '[')));
  CHECK(rejected("2[\"a\"," + std::string(40, '[') + std::string(40, ']') + "]"));
}

TEST_CASE("payload shapes are checked per packet type, as the official parser does") {
  CHECK(rejected("2{}"));                      // 42{} is not an array
  CHECK(rejected("2[]"));                      // no event name
  CHECK(rejected("2[1]"));                     // event name not a string
  CHECK(rejected("2[null,1]"));
  CHECK(rejected("2[[\"a\"]]"));
  CHECK(rejected("2\"a\""));
  CHECK(rejected("2[\"disconnect\"]"));        // reserved event names
  CHECK(rejected("2[\"connect\",{}]"));
  CHECK(rejected("2[\"newListener\"]"));
  CHECK(rejected("51-{\"a\":1}"));
  CHECK(rejected("3{}"));                      // ACK data not an array
  CHECK(rejected("31\"x\""));
  CHECK(rejected("61-1{}"));
  CHECK(rejected("0[]"));                      // CONNECT data not an object
  CHECK(rejected("0\"token\""));
  CHECK(rejected("0null"));
  CHECK(rejected("1{}"));                      // DISCONNECT carries nothing
  CHECK(rejected("1/admin,{}"));
  CHECK(rejected("1null"));
  CHECK(rejected("4[1]"));                     // CONNECT_ERROR: object or string
  CHECK(rejected("4true"));
  CHECK(must_parse("41").ack_id == 1u); // digits after the type are an ack id, as in the official parser
}

TEST_CASE("namespaces must be clean text") {
  CHECK(rejected("2/ad\x01min,[\"a\"]"));
  CHECK(rejected("2/\xff,[\"a\"]"));
  CHECK(rejected("0/\x7f,"));
  CHECK(must_parse("0/\xe8\x82\xa1,").nsp == "/\xe8\x82\xa1");
}

TEST_CASE("is_reserved_event") {
  for (auto name : {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"})
    CHECK(is_reserved_event(name));
  CHECK_FALSE(is_reserved_event("subscribe"));
  CHECK_FALSE(is_reserved_event("Disconnect"));
}

TEST_CASE("binary_assembler collects the announced attachments") {
  binary_assembler a(must_parse("52-[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]"));
  CHECK_FALSE(a.complete());
  CHECK(a.header().attachments == 2);
  CHECK_FALSE(a.add(std::string("\x00\x01", 2)));
  CHECK_FALSE(a.complete());
  CHECK(a.add("second"));
  CHECK(a.complete());
  REQUIRE(a.attachments().size() == 2);
  CHECK(a.attachments()[0] == std::string("\x00\x01", 2));
  CHECK(a.attachments()[1] == "second");
  CHECK(a.header().type == sio_packet_type::binary_event);

  // An extra frame is not stored.
  CHECK(a.add("extra"));
  CHECK(a.attachments().size() == 2);

  binary_assembler none(must_parse("50-[\"a\"]"));
  CHECK(none.complete());
  CHECK(none.attachments().empty());
}

TEST_CASE("binary_assembler holds at most max_bytes of attachments") {
  binary_assembler a(must_parse("52-[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]"), 10);
  CHECK_FALSE(a.add(std::string(6, 'x')));
  CHECK_FALSE(a.too_big());
  CHECK(a.bytes() == 6);
  CHECK_FALSE(a.add(std::string(5, 'y'))); // 11 > 10: not stored
  CHECK(a.too_big());
  CHECK(a.bytes() == 6);
  CHECK(a.attachments().size() == 1);
}

TEST_CASE("parse_sio_head reads type, namespace, ack id and attachments without the JSON") {
  auto h = parse_sio_head("2/chat,17[\"a\",{", lim); // the JSON is not looked at
  REQUIRE(h.ok());
  CHECK(h->type == sio_packet_type::event);
  CHECK(h->nsp == "/chat");
  CHECK(h->ack_id == 17u);
  CHECK(h->data == "[\"a\",{");
  auto b = parse_sio_head("53-9[", lim);
  REQUIRE(b.ok());
  CHECK(b->attachments == 3);
  CHECK(b->ack_id == 9u);
  CHECK_FALSE(parse_sio("2/chat,17[\"a\",{", lim).ok()); // the whole packet is refused
}

TEST_CASE("a namespace longer than max_namespace_bytes is refused, before anything echoes it") {
  limits small;
  small.max_namespace_bytes = 8;
  CHECK(parse_sio("0/eightxx,", small).ok()); // 8 bytes with the '/'
  CHECK(rejected("0/ninexxxx,", small));
  auto h = parse_sio_head("0/" + std::string(500000, 'n') + ",", lim);
  REQUIRE_FALSE(h.ok());
  CHECK(h.error().message.size() < 100); // the error does not quote it
}

TEST_CASE("parse_sio parses the data once and keeps the document") {
  auto p = must_parse("21[\"ping\",{\"n\":0e100}]");
  REQUIRE(p.doc.has_value());
  REQUIRE(p.doc->IsArray());
  CHECK((*p.doc)[0].GetString() == std::string("ping"));
  CHECK((*p.doc)[1]["n"].IsNumber());
  CHECK_FALSE(must_parse("1").doc.has_value());
}
