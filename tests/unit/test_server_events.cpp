#include <doctest/doctest.h>

#include "protocol/json.hpp"
#include "protocol/server_events.hpp"

using namespace qc::protocol;

TEST_CASE("connect_response") {
  connect_info info{"s1", "u1", {"trader", "publisher"}, 1764134400000, {}, {}};
  CHECK(encode_connect_response(info) ==
        R"({"status":"connected","sid":"s1","user_id":"u1","roles":["trader","publisher"],"server_time":1764134400000})");
  info.roles.clear();
  info.restored_json = R"({"rooms":["r1"],"streams":[]})";
  info.resume_token = "tok";
  CHECK(encode_connect_response(info) ==
        R"({"status":"connected","sid":"s1","user_id":"u1","roles":[],"server_time":1764134400000,"restored":{"rooms":["r1"],"streams":[]},"resume_token":"tok"})");
}

TEST_CASE("room replies and member events") {
  CHECK(encode_subscribed("market_600519", 3) == R"({"room":"market_600519","status":"subscribed","members":3})");
  CHECK(encode_unsubscribed("market_600519") == R"({"room":"market_600519","status":"unsubscribed"})");
  CHECK(encode_member_event("r1", "s1", "u\"1", 5) == R"({"room":"r1","sid":"s1","user_id":"u\"1","timestamp":5})");
}

TEST_CASE("room_message") {
  room_message_out m{"m1", "r1", "u1", message_type::alert, R"({"text":"hi"})", R"({"k":1})", 1764134400000};
  CHECK(encode_room_message(m) ==
        R"({"id":"m1","room_id":"r1","sender_id":"u1","message_type":"alert","content":{"text":"hi"},"timestamp":1764134400000,"metadata":{"k":1}})");
  m.metadata_json.clear();
  m.type = message_type::text;
  m.content_json = R"("plain")";
  CHECK(encode_room_message(m) ==
        R"({"id":"m1","room_id":"r1","sender_id":"u1","message_type":"text","content":"plain","timestamp":1764134400000,"metadata":{}})");
}

TEST_CASE("notification") {
  CHECK(encode_notification("market_600519", "price_update", R"({"price":1850.5})", 10, false) ==
        R"({"type":"notification","room":"market_600519","event":"price_update","data":{"price":1850.5},"timestamp":10,"server_time":10})");
  CHECK(encode_notification("r", "e", "", 10, true) ==
        R"({"type":"notification","room":"r","event":"e","data":null,"timestamp":10,"server_time":10,"offline":true})");
  CHECK(encode_notification("", "direct", "1", 10, 20, true) ==
        R"({"type":"notification","room":null,"event":"direct","data":1,"timestamp":10,"server_time":20,"offline":true})");
}

TEST_CASE("pong") {
  CHECK(encode_pong(1764134400000) == R"({"type":"pong","timestamp":1764134400000,"server_time":1764134400000})");
}

TEST_CASE("error payloads") {
  CHECK(encode_error(error_code::invalid_parameters, "room name must be 1-128 characters") ==
        R"({"error_code":"INVALID_PARAMETERS","message":"room name must be 1-128 characters"})");
  CHECK(encode_error(error_code::rate_limit_exceeded, "slow down", R"({"retry_after_ms":100})") ==
        R"({"error_code":"RATE_LIMIT_EXCEEDED","message":"slow down","details":{"retry_after_ms":100}})");
  CHECK(encode_error(error_code::invalid_message_format, "bad \"json\"\n") ==
        R"({"error_code":"INVALID_MESSAGE_FORMAT","message":"bad \"json\"\n"})");
}

TEST_CASE("responses") {
  CHECK(encode_response_ok("req_1", R"({"rooms":[]})", 7, std::nullopt) ==
        R"({"type":"response","request_id":"req_1","success":true,"data":{"rooms":[]},"timestamp":7,"server_time":7})");
  CHECK(encode_response_ok("17", "", 7, std::string("t1")) ==
        R"({"type":"response","request_id":"17","success":true,"data":null,"timestamp":7,"server_time":7,"trace_id":"t1"})");
  CHECK(encode_response_error("req_1", error_code::invalid_action, "unknown action \"x\"", 7, std::nullopt) ==
        R"({"type":"error","request_id":"req_1","success":false,"error_code":"INVALID_ACTION","error_message":"unknown action \"x\"","timestamp":7,"server_time":7})");
  CHECK(encode_response_error("r", error_code::permission_denied, "admin only", 8, std::string("t")) ==
        R"({"type":"error","request_id":"r","success":false,"error_code":"PERMISSION_DENIED","error_message":"admin only","timestamp":8,"server_time":8,"trace_id":"t"})");
}

TEST_CASE("ack bodies carry ok first") {
  CHECK(with_ok(encode_subscribed("r", 1), true) == R"({"ok":true,"room":"r","status":"subscribed","members":1})");
  CHECK(with_ok(encode_error(error_code::invalid_symbol, "bad"), false) ==
        R"({"ok":false,"error_code":"INVALID_SYMBOL","message":"bad"})");
  CHECK(with_ok("{}", true) == R"({"ok":true})");
  CHECK(with_ok(R"({"accepted":3,"duplicates":1})", true) == R"({"ok":true,"accepted":3,"duplicates":1})");
  CHECK(with_ok("5", true) == R"({"ok":true,"data":5})");
  CHECK(with_ok("", false) == R"({"ok":false,"data":null})");
  CHECK(with_ok("[1]", true) == R"({"ok":true,"data":[1]})");
}

TEST_CASE("stream replies") {
  CHECK(encode_stream_subscribed("600519", {"price", "volume", "timestamp"}, 9) ==
        R"({"symbol":"600519","status":"subscribed","fields":["price","volume","timestamp"],"timestamp":9})");
  CHECK(encode_stream_unsubscribed("600519", 9) == R"({"symbol":"600519","status":"unsubscribed","timestamp":9})");
  CHECK(encode_stream_filter_updated("BTC-USDT", {"bid"}, 9) ==
        R"({"symbol":"BTC-USDT","fields":["bid"],"timestamp":9})");
}

TEST_CASE("every encoder's output is valid JSON, even from hostile strings") {
  const std::string hostile = "\"\\\n\x01\xff\xed\xa0\x80</script>";
  const limits lim;
  const std::string outputs[] = {
      encode_connect_response({hostile, hostile, {hostile}, -1, {}, hostile}),
      encode_subscribed(hostile, 0),
      encode_unsubscribed(hostile),
      encode_member_event(hostile, hostile, hostile, 0),
      encode_room_message({hostile, hostile, hostile, message_type::system, "1", "{}", 0}),
      encode_notification(hostile, hostile, "{}", 0, true),
      encode_error(error_code::timeout, hostile),
      encode_response_ok(hostile, "[]", 0, hostile),
      encode_response_error(hostile, error_code::internal_error, hostile, 0, hostile),
      encode_stream_subscribed(hostile, {hostile}, 0),
      encode_stream_unsubscribed(hostile, 0),
      encode_stream_filter_updated(hostile, {hostile}, 0),
  };
  for (const auto& out : outputs) {
    CAPTURE(out);
    auto doc = parse_json(out, lim);
    CHECK(doc.ok());
    CHECK(valid_utf8(out));
  }
}
