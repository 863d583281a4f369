#include <doctest/doctest.h>

#include "protocol/framing.hpp"

using namespace qc::protocol;

TEST_CASE("Socket.IO event frames") {
  CHECK(frame_sio_event("stream_data", R"({"symbol":"600519"})") == R"(42["stream_data",{"symbol":"600519"}])");
  CHECK(frame_sio_event("pong", R"({"type":"pong"})", "/") == R"(42["pong",{"type":"pong"}])");
  CHECK(frame_sio_event("news", "1", "/admin") == R"(42/admin,["news",1])");
  CHECK(frame_sio_event("bare", "") == R"(42["bare"])");
  CHECK(frame_sio_event("q\"uote", "null") == R"(42["q\"uote",null])");
}

TEST_CASE("Socket.IO event frames with a recovery offset") {
  CHECK(frame_sio_event_with_offset("room_message", R"({"id":"m1"})", "17") == R"(42["room_message",{"id":"m1"},"17"])");
  CHECK(frame_sio_event_with_offset("x", "", "0", "/n") == R"(42/n,["x",null,"0"])");
}

TEST_CASE("Socket.IO ack frames") {
  CHECK(frame_sio_ack(456, R"({"ok":true})") == R"(43456[{"ok":true}])");
  CHECK(frame_sio_ack(0, "1") == R"(430[1])");
  CHECK(frame_sio_ack(7, "", "/admin") == R"(43/admin,7[])");
  CHECK(frame_sio_ack(18446744073709551615ull, "null") == R"(4318446744073709551615[null])");
}

TEST_CASE("Socket.IO CONNECT answers") {
  CHECK(frame_sio_connect("x") == R"(40{"sid":"x"})");
  CHECK(frame_sio_connect("s1", std::string("p1")) == R"(40{"sid":"s1","pid":"p1"})");
  CHECK(frame_sio_connect("s1", std::nullopt, "/admin") == R"(40/admin,{"sid":"s1"})");
  CHECK(frame_sio_connect_error("Invalid namespace", {}, "/random") == R"(44/random,{"message":"Invalid namespace"})");
  CHECK(frame_sio_connect_error("token expired", "AUTH_TOKEN_EXPIRED") ==
        R"(44{"message":"token expired","data":{"error_code":"AUTH_TOKEN_EXPIRED"}})");
}

TEST_CASE("plain JSON frames") {
  CHECK(frame_ws_event("stream_data", R"({"seq":1})") == R"({"event":"stream_data","data":{"seq":1}})");
  CHECK(frame_ws_event("connect_response", "") == R"({"event":"connect_response","data":null})");
  CHECK(frame_ws_event("a\nb", "[]") == R"({"event":"a\nb","data":[]})");
  CHECK(frame_ws_ack("7", R"({"ok":true})") == R"({"ack":7,"data":{"ok":true}})");
  CHECK(frame_ws_ack(R"("r1")", "1") == R"({"ack":"r1","data":1})");
}
