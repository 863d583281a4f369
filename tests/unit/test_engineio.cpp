#include <doctest/doctest.h>

#include "protocol/engineio.hpp"

using namespace qc::protocol;

TEST_CASE("Engine.IO text packets parse by their type character") {
  struct sample {
    const char* frame;
    eio_packet_type type;
    const char* data;
  };
  const sample samples[] = {
      {"0{\"sid\":\"a\"}", eio_packet_type::open, "{\"sid\":\"a\"}"},
      {"1", eio_packet_type::close, ""},
      {"2", eio_packet_type::ping, ""},
      {"2probe", eio_packet_type::ping, "probe"},
      {"3", eio_packet_type::pong, ""},
      {"3probe", eio_packet_type::pong, "probe"},
      {"42[\"a\"]", eio_packet_type::message, "2[\"a\"]"},
      {"5", eio_packet_type::upgrade, ""},
      {"6", eio_packet_type::noop, ""},
  };
  for (const auto& s : samples) {
    CAPTURE(s.frame);
    const auto p = parse_eio_text(s.frame);
    REQUIRE(p.has_value());
    CHECK(p->type == s.type);
    CHECK(p->data == s.data);
  }
}

TEST_CASE("Engine.IO rejects empty frames and unknown types") {
  CHECK_FALSE(parse_eio_text("").has_value());
  CHECK_FALSE(parse_eio_text("7").has_value());
  CHECK_FALSE(parse_eio_text("x2").has_value());
  CHECK_FALSE(parse_eio_text("/").has_value());
  CHECK_FALSE(parse_eio_text("{\"event\":\"x\"}").has_value());
}

TEST_CASE("Engine.IO encoders") {
  eio_handshake h{"AbC_123-x", {}, 25000, 20000, 1000000};
  CHECK(encode_eio_open(h) ==
        R"(0{"sid":"AbC_123-x","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  h.upgrades = {"websocket"};
  h.ping_interval_ms = 300;
  h.ping_timeout_ms = 200;
  h.max_payload = 4096;
  CHECK(encode_eio_open(h) ==
        R"(0{"sid":"AbC_123-x","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":4096})");

  CHECK(encode_eio_message("2[\"a\"]") == "42[\"a\"]");
  CHECK(encode_eio_message("") == "4");
  CHECK(encode_eio(eio_packet_type::ping) == "2");
  CHECK(encode_eio(eio_packet_type::pong, "probe") == "3probe");
  CHECK(encode_eio(eio_packet_type::close) == "1");
  CHECK(encode_eio(eio_packet_type::noop) == "6");
}

TEST_CASE("parse_query reads and decodes the handshake query") {
  const auto q = parse_query("/socket.io/?EIO=4&transport=websocket&user_id=u1");
  CHECK(q.eio == 4);
  CHECK(q.transport == "websocket");
  CHECK(q.sid.empty());
  CHECK(q.params.at("user_id") == "u1");
  CHECK(q.params.at("EIO") == "4");
  CHECK(q.params.size() == 3);

  const auto d = parse_query("/ws?token=a%2Eb%2fc&name=J+Doe&x=%zz&empty=&flag&sid=s1&token=second#frag");
  CHECK(d.params.at("token") == "a.b/c"); // first of repeated keys wins
  CHECK(d.params.at("name") == "J Doe");
  CHECK(d.params.at("x") == "%zz");
  CHECK(d.params.at("empty").empty());
  CHECK(d.params.at("flag").empty());
  CHECK(d.sid == "s1");
  CHECK(d.eio == 0);
  CHECK(d.params.count("frag") == 0);

  CHECK(parse_query("/socket.io/").params.empty());
  CHECK(parse_query("/socket.io/?").params.empty());
  CHECK(parse_query("/socket.io/?EIO=abc").eio == 0);
  CHECK(parse_query("/socket.io/?EIO=3").eio == 3);
  CHECK(parse_query("/socket.io/?EIO=4x").eio == 0);
  CHECK(parse_query("/socket.io/?EIO=99999999999999").eio == 0);
  CHECK(parse_query("/?a=%").params.at("a") == "%");
  CHECK(parse_query("/?a=%4").params.at("a") == "%4");
  CHECK(parse_query("/?a=%41").params.at("a") == "A");
}

TEST_CASE("target_path") {
  CHECK(target_path("/socket.io/?EIO=4&transport=websocket") == "/socket.io/");
  CHECK(target_path("/engine.io/") == "/engine.io/");
  CHECK(target_path("/ws#x") == "/ws");
  CHECK(target_path("") == "");
}

TEST_CASE("Engine.IO HTTP error bodies") {
  CHECK(encode_eio_http_error(0) == R"({"code":0,"message":"Transport unknown"})");
  CHECK(encode_eio_http_error(1) == R"({"code":1,"message":"Session ID unknown"})");
  CHECK(encode_eio_http_error(2) == R"({"code":2,"message":"Bad handshake method"})");
  CHECK(encode_eio_http_error(3) == R"({"code":3,"message":"Bad request"})");
  CHECK(encode_eio_http_error(4) == R"({"code":4,"message":"Forbidden"})");
  CHECK(encode_eio_http_error(5) == R"({"code":5,"message":"Unsupported protocol version"})");
  CHECK(encode_eio_http_error(42) == R"({"code":3,"message":"Bad request"})");
}

TEST_CASE("check_eio_query follows the official order of checks") {
  CHECK_FALSE(check_eio_query(parse_query("/socket.io/?EIO=4&transport=websocket")).has_value());
  CHECK(check_eio_query(parse_query("/socket.io/?EIO=4&transport=polling")) == eio_error::unknown_transport);
  CHECK(check_eio_query(parse_query("/socket.io/?EIO=4")) == eio_error::unknown_transport);
  CHECK(check_eio_query(parse_query("/socket.io/?EIO=3&transport=carrier-pigeon")) == eio_error::unknown_transport);
  CHECK(check_eio_query(parse_query("/socket.io/?EIO=4&transport=websocket&sid=abc")) == eio_error::unknown_sid);
  CHECK(check_eio_query(parse_query("/socket.io/?EIO=3&transport=websocket")) ==
        eio_error::unsupported_protocol_version);
  CHECK(check_eio_query(parse_query("/socket.io/?transport=websocket")) == eio_error::unsupported_protocol_version);
}
